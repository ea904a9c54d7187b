// The console's live regions: each element with data-events is replaced by the HTML
// fragments its Server-Sent Events stream sends. EventSource reconnects by itself.
(function () {
  "use strict";
  var indicator = document.getElementById("live-state");
  document.querySelectorAll("[data-events]").forEach(function (region) {
    var source = new EventSource(region.getAttribute("data-events"));
    source.addEventListener("fragment", function (event) {
      region.innerHTML = event.data;
      region.setAttribute("data-updated", String(Date.now()));
    });
    source.addEventListener("open", function () {
      if (indicator) indicator.classList.add("on");
    });
    source.addEventListener("error", function () {
      if (indicator) indicator.classList.remove("on");
    });
  });
  // Cancelling a campaign cannot be undone: ask first.
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
