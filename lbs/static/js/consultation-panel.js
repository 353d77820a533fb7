// The required-consultations panel on the decision form: posts the form on change (debounced), shows the
// required parties, and fills a consultation row when a party's button is pressed. Without JavaScript the
// form still works; the API computes the missing consultations when the decision is saved.
(function () {
  "use strict";

  function panelFor(form) {
    return form.querySelector("#required-panel[data-panel-url]") || document.querySelector("#required-panel[data-panel-url]");
  }

  function refresh(form, panel) {
    if (form.lbsSubmitting) { return; }
    var data = new FormData(form);
    // The panel reads the form's fields, never its files (those go with the save only).
    Array.prototype.forEach.call(form.querySelectorAll("input[type='file'][name]"), function (el) { data.delete(el.name); });
    var controller = window.AbortController ? new AbortController() : null;
    form.lbsPanelRequest = controller;
    fetch(panel.getAttribute("data-panel-url"), {
      method: "POST", body: data, credentials: "same-origin", headers: { "X-Requested-With": "fetch" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) { throw new Error("panel " + response.status); }
      return response.text();
    }).then(function (html) {
      // Replace the panel only when it changed, and keep keyboard focus on the same party's control:
      // a refresh must never throw the focus back to the top of the page.
      if (panel.lbsLastHtml === html) { return; }
      var active = document.activeElement;
      var hadFocus = active && panel.contains(active);
      var party = hadFocus ? active.getAttribute("data-party") : null;
      panel.innerHTML = html;
      panel.lbsLastHtml = html;
      if (hadFocus) {
        var again = party && panel.querySelector("button.panel-add[data-party='" + party + "']");
        (again || panel.querySelector("button.panel-add") || panel).focus();
      }
    }).catch(function () { /* keep the last panel; saving still reports missing parties */ });
  }

  function partyRows(form) {
    return Array.prototype.slice.call(form.querySelectorAll("[name^='consultations-'][name$='-party']"));
  }

  // The row for a required party starts at the form the rule requires; its outcome is left to the person.
  function addRow(form, party, mode) {
    var rows = partyRows(form);
    var empty = rows.filter(function (el) { return !el.value; })[0];
    if (!empty && rows.length) {
      var last = rows[rows.length - 1];
      var container = last.closest("[data-row], .consultation-row, li, tr") || last.parentNode;
      var clone = container.cloneNode(true);
      var next = rows.length;
      clone.querySelectorAll("[name], [id], label[for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(/consultations-\d+-/, "consultations-" + next + "-")); }
        });
        if (el.name && el.tagName !== "SELECT" && el.type !== "checkbox") { el.value = ""; }
      });
      container.parentNode.insertBefore(clone, container.nextSibling);
      empty = clone.querySelector("[name='consultations-" + next + "-party']");
    }
    if (!empty) { return; }
    empty.value = party;
    var at = form.querySelector("[name='" + empty.name.replace(/-party$/, "-consulted_at") + "']");
    var decided = form.querySelector("[name='decided_at']");
    if (at && !at.value && decided) { at.value = decided.value; }
    var modeField = form.querySelector("[name='" + empty.name.replace(/-party$/, "-mode") + "']");
    if (modeField && mode) { modeField.value = mode; }
    empty.dispatchEvent(new Event("change", { bubbles: true }));
    empty.focus();
  }

  function init() {
    var panel = document.querySelector("#required-panel[data-panel-url]");
    if (!panel) { return; }
    var form = panel.closest("form");
    if (!form) { return; }
    panel.setAttribute("aria-live", "polite");
    var timer = null;
    var schedule = function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(function () { refresh(form, panelFor(form)); }, 300);
    };
    form.addEventListener("change", schedule);
    form.addEventListener("input", schedule);
    // Once the form is sent, no refresh may start or finish: a panel request still in flight would only
    // compete with the save (and its response is of no use on the next page).
    form.addEventListener("submit", function () {
      form.lbsSubmitting = true;
      if (timer) { clearTimeout(timer); timer = null; }
      if (form.lbsPanelRequest) { form.lbsPanelRequest.abort(); }
    });
    // Back from the next page (the browser's page cache): the form is live again.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) { form.lbsSubmitting = false; schedule(); }
    });
    panel.addEventListener("click", function (event) {
      var button = event.target.closest("button.panel-add");
      if (!button) { return; }
      event.preventDefault();
      addRow(form, button.getAttribute("data-party"), button.getAttribute("data-mode"));
    });
    schedule();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
