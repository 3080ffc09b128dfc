// Hovering an operation (a box, a table row, a candidate) highlights it
// everywhere it appears in the same view.
document.querySelectorAll(".view").forEach(function (view) {
  view.querySelectorAll("[data-op]").forEach(function (el) {
    var op = el.getAttribute("data-op");
    var same = view.querySelectorAll('[data-op="' + op + '"]');
    el.addEventListener("mouseenter", function () { same.forEach(function (s) { s.classList.add("hl"); }); });
    el.addEventListener("mouseleave", function () { same.forEach(function (s) { s.classList.remove("hl"); }); });
  });
});
