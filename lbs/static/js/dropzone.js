// Drop files on a file input's label: [data-dropzone] wraps a file input and its label. Dropped files are put
// into the input (DataTransfer), so the form sends them as if chosen; the input itself stays the keyboard way
// in (Tab to it, Enter or Space opens the file dialog). Without JavaScript the plain input works as before.
(function () {
  "use strict";

  function names(files) {
    return Array.prototype.map.call(files, function (f) { return f.name; }).join(", ");
  }

  function init(zone) {
    var input = zone.querySelector("input[type='file']");
    var label = input && zone.querySelector("label[for='" + input.id + "']");
    if (!input || !label || typeof DataTransfer === "undefined") { return; }
    zone.classList.add("dropzone-ready");
    var status = document.createElement("p");
    status.className = "dropzone-status";
    status.setAttribute("aria-live", "polite");
    zone.appendChild(status);
    var hint = document.createElement("span");
    hint.className = "dropzone-hint";
    hint.textContent = zone.getAttribute("data-drop-hint") || "";
    label.appendChild(hint);

    function over(event) {
      if (!event.dataTransfer || Array.prototype.indexOf.call(event.dataTransfer.types, "Files") < 0) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      zone.classList.add("dropzone-over");
    }
    zone.addEventListener("dragenter", over);
    zone.addEventListener("dragover", over);
    zone.addEventListener("dragleave", function (event) {
      if (!zone.contains(event.relatedTarget)) { zone.classList.remove("dropzone-over"); }
    });
    zone.addEventListener("drop", function (event) {
      zone.classList.remove("dropzone-over");
      if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
      event.preventDefault();
      var transfer = new DataTransfer();
      var files = input.multiple ? event.dataTransfer.files : [event.dataTransfer.files[0]];
      Array.prototype.forEach.call(files, function (f) { transfer.items.add(f); });
      input.files = transfer.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
      input.focus();
    });
    input.addEventListener("change", function () {
      status.textContent = input.files.length ? (zone.getAttribute("data-chosen") || "") + " " + names(input.files) : "";
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-dropzone]"), init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
