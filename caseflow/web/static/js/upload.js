/* Evidence file upload with a progress bar: a form marked data-upload is sent by XMLHttpRequest (its
   upload progress events drive the <progress> element); the server answers in JSON. Messages come from
   the form's data-msg-* attributes. Without JavaScript the form posts normally. No inline scripts. */
(function () {
  "use strict";

  function message(form, name, fallback) {
    return form.getAttribute("data-msg-" + name) || fallback;
  }

  function human(bytes) {
    var units = [["GB", 1073741824], ["MB", 1048576], ["KB", 1024]];
    for (var i = 0; i < units.length; i++) {
      if (bytes >= units[i][1]) { return (bytes / units[i][1]).toFixed(1) + " " + units[i][0]; }
    }
    return bytes + " B";
  }

  function sameOrigin(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" && url.charAt(1) !== "\\";
  }

  // the page again, with the new file and the messages: a reload when only the #fragment differs
  // (assigning such a URL would merely scroll)
  function go(url) {
    var target = new URL(url, window.location.href);
    if (target.pathname === window.location.pathname && target.search === window.location.search) {
      window.history.replaceState(null, "", target.hash || window.location.pathname + window.location.search);
      window.location.reload();
    } else {
      window.location.assign(target.href);
    }
  }

  function setup(form) {
    var box = form.querySelector("[data-upload-progress]");
    var bar = box ? box.querySelector("progress") : null;
    var status = form.querySelector("[data-upload-status]");
    var error = form.querySelector("[data-upload-error]");
    var button = form.querySelector("button[type=submit]");
    var input = form.querySelector("input[type=file]");

    function showError(text) {
      if (error) { error.textContent = text; error.hidden = false; }
      if (box) { box.hidden = true; }
      if (button) { button.disabled = false; button.classList.remove("busy"); }
      form.removeAttribute("aria-busy");
      delete form.dataset.uploading;
    }

    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) { return; }  // plain form post
      event.preventDefault();
      if (form.dataset.uploading === "1") { return; }
      if (error) { error.hidden = true; error.textContent = ""; }
      if (!input || !input.files || !input.files.length) {
        showError(message(form, "choose", "请选择要上传的文件"));
        return;
      }
      var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
      if (limit && input.files[0].size > limit) {  // a hint only: the server enforces the limit
        showError(message(form, "too-large", "文件过大"));
        return;
      }
      form.dataset.uploading = "1";
      form.setAttribute("aria-busy", "true");
      if (button) { button.disabled = true; button.classList.add("busy"); }
      if (box) { box.hidden = false; }
      if (bar) { bar.value = 0; }

      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var percent = Math.floor(e.loaded * 100 / e.total);
        if (bar) { bar.value = percent; }
        if (status) {
          status.textContent = message(form, "sending", "正在上传") + " " + percent + "%（" +
            human(e.loaded) + " / " + human(e.total) + "）";
        }
      });
      xhr.upload.addEventListener("load", function () {
        if (bar) { bar.value = 100; }
        if (status) { status.textContent = message(form, "checking", "正在校验…"); }
      });
      xhr.addEventListener("load", function () {
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (ignore) { data = null; }
        if (xhr.status >= 200 && xhr.status < 300 && data && sameOrigin(data.redirect)) {
          go(data.redirect);
          return;
        }
        var text = data && data.message ? data.message : message(form, "failed", "上传失败") + "（" + xhr.status + "）";
        showError(text);
      });
      xhr.addEventListener("error", function () { showError(message(form, "network", "网络中断，上传未完成")); });
      xhr.addEventListener("abort", function () { showError(message(form, "network", "上传已中止")); });
      xhr.send(new FormData(form));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-upload]").forEach(setup);
  });
}());
