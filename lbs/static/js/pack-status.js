// The review pack's progress on the review page: while the worker builds it, its status is asked for every
// 2 s (while the tab is visible); the progress bar follows, and when the pack is ready (or failed) the page is
// loaded again at the pack's section, which then offers the download. Without JavaScript the "Update the page"
// link does the same.
(function () {
  "use strict";
  var box = document.querySelector("[data-pack-status]");
  if (!box || !window.fetch) { return; }
  var bar = box.querySelector("progress");
  var text = box.querySelector(".pack-progress-text");
  var live = box.querySelector(".pack-live");
  var url = box.getAttribute("data-pack-status");

  function poll() {
    if (document.hidden) { window.setTimeout(poll, 2000); return; }
    window.fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { return; }
        if (bar) { bar.value = state.progress; bar.textContent = state.progress + " %"; }
        if (text) { text.textContent = state.progress + " %"; }
        if (state.status === "ready" || state.status === "failed") {
          if (live) { live.textContent = state.status === "ready" ? "100 %" : ""; }
          window.location.hash = "pack";
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
}());
