// Drag and drop onto the upload box; the plain form works without this.
// Without scripts a file dropped on the page would be opened by the
// browser, so the box offers dropping only once this runs.
(function () {
  var form = document.getElementById("upload");
  if (!form) return;
  var input = document.getElementById("file");
  var drop = form.querySelector(".drop");
  if (!input || !drop) return;
  var label = drop.textContent;
  if (label.indexOf("拖") < 0) label += "（也可拖到这里）";
  drop.textContent = label;
  function show() {
    var n = input.files ? input.files.length : 0;
    drop.textContent = n ? "已选择 " + n + " 个文件，点“上传并审核”" : label;
  }
  input.addEventListener("change", show);
  ["dragenter", "dragover"].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) {
    if (!e.dataTransfer || !e.dataTransfer.files.length) return;
    try { input.files = e.dataTransfer.files; } catch (err) {}
    // Older browsers cannot hand dropped files to the form.
    if (!input.files || !input.files.length) {
      drop.textContent = "这个浏览器不支持拖放，请点此选择文件";
      return;
    }
    show();
    form.submit();
  });
})();

// Ask before an action that cannot be undone (renewing a link).
(function () {
  var forms = document.querySelectorAll("form[data-confirm]");
  Array.prototype.forEach.call(forms, function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
    });
  });
})();

// Copy buttons beside the links; without scripts the links stay selectable text.
(function () {
  var buttons = document.querySelectorAll("button.copy[data-copy]");
  Array.prototype.forEach.call(buttons, function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var text = b.getAttribute("data-copy");
      function done() { b.textContent = "已复制"; setTimeout(function () { b.textContent = "复制"; }, 2000); }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, fallback);
      } else {
        fallback();
      }
      function fallback() {
        var input = b.previousElementSibling;
        if (input && input.select) { input.select(); try { document.execCommand("copy"); done(); } catch (e) {} }
      }
    });
  });
})();
