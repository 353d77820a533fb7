// "Add a row" on the decision form: a blank copy of the list's last row is added below it and its first field
// gets the focus. Without JavaScript the same button posts the form back and the server shows it again with
// one more row, keeping what was typed.
(function () {
  "use strict";

  function blank(row, list, index) {
    var pattern = new RegExp("^" + list + "-\\d+-");
    row.querySelectorAll("[name], [id], label[for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) { el.setAttribute(attr, value.replace(pattern, list + "-" + index + "-")); }
      });
      el.removeAttribute("aria-describedby");
      el.removeAttribute("aria-invalid");
      if (el.tagName === "SELECT") { el.selectedIndex = 0; }
      else if (el.type === "checkbox" || el.type === "radio") { el.checked = false; }
      else if (el.name) { el.value = ""; }
    });
    row.querySelectorAll(".error-text").forEach(function (el) { el.parentNode.removeChild(el); });
    row.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
    return row;
  }

  function addRow(button) {
    var list = button.getAttribute("data-add-row");
    var fieldset = button.closest("fieldset");
    var rows = fieldset ? fieldset.querySelectorAll("[data-row]") : [];
    if (!rows.length) { return false; }
    var last = rows[rows.length - 1];
    var row = blank(last.cloneNode(true), list, rows.length);
    last.parentNode.insertBefore(row, last.nextSibling);
    var first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) { first.focus(); }
    return true;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-add-row]");
    if (button && addRow(button)) { event.preventDefault(); }
  });
})();
