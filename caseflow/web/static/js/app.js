/* Minimal behaviour: confirm dialogs, a busy state while a form posts, opening the action named in
   the URL, printing. No inline scripts (the Content-Security-Policy allows only this file). */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-busy") || form.querySelector("[data-busy-text]")) {
      if (form.dataset.submitting === "1") {
        event.preventDefault();  // a second click while the first post is under way
        return;
      }
      form.dataset.submitting = "1";
      var clicked = event.submitter;
      if (clicked && clicked.name) {
        // keep the value of the button pressed (e.g. grant / reject) once buttons are disabled
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = clicked.name;
        hidden.value = clicked.value;
        form.appendChild(hidden);
      }
      form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
        button.classList.add("busy");
        if (button.dataset.busyText) { button.textContent = button.dataset.busyText; }
        window.setTimeout(function () { button.disabled = true; }, 0);
      });
      form.setAttribute("aria-busy", "true");
    }
  });

  window.addEventListener("pageshow", function () {
    // coming back with the browser's back button: forms are usable again
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      delete form.dataset.submitting;
      form.removeAttribute("aria-busy");
      form.querySelectorAll("button.busy").forEach(function (b) { b.disabled = false; b.classList.remove("busy"); });
    });
  });

  function openFromHash() {
    if (!location.hash) { return; }
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && target.tagName === "DETAILS") {
      target.open = true;
      target.scrollIntoView({block: "start"});
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    openFromHash();
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
  window.addEventListener("hashchange", openFromHash);

  // a submit button may ask for confirmation itself (e.g. 保存并签发 beside 保存草稿)
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[type=submit][data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // rows of a document's list field (清单, 问答): add one more empty row, numbered like the others
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (!add) { return; }
    var body = add.parentElement.querySelector("tbody");
    var last = body.querySelector("tr:last-child");
    if (!last) { return; }
    var index = body.querySelectorAll("tr").length;
    var row = last.cloneNode(true);
    row.querySelectorAll("input").forEach(function (input) {
      input.value = "";
      input.name = input.name.replace(/-\d+-/, "-" + index + "-");
    });
    body.appendChild(row);
    row.querySelector("input").focus();
  });
})();
