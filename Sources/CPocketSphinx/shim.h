// The C API of Debian's libpocketsphinx and libsphinxbase 0.8 (5prealpha), for the Voice
// target. pocketsphinx.h includes its siblings by bare name (<pocketsphinx_export.h>), so
// the include paths come from pkg-config (`pocketsphinx`), not from this file.
#include <pocketsphinx/pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sphinxbase/logmath.h>
