// Drag and drop onto the upload box; the plain form works without this.
(function () {
  var form = document.getElementById("upload");
  if (!form) return;
  var input = document.getElementById("file");
  var drop = form.querySelector(".drop");
  var label = drop.textContent;
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
    input.files = e.dataTransfer.files;
    show();
    form.submit();
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
