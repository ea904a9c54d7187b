// The C API of Debian's libespeak-ng (package libespeak-ng-dev), for the Voice target.
#include <espeak-ng/speak_lib.h>
