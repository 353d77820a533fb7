// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Move focus to an error summary so keyboard and screen-reader users hear what went wrong.
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();
