// Treatment form: show only the chosen medicine's strengths and how-to-apply summary.
// Progressive enhancement: without this script every strength and every summary is listed.
(function () {
  "use strict";

  var drugSelect = document.querySelector("select[data-drug-select]");
  if (!drugSelect) {
    return;
  }
  var strengthSelect = document.querySelector("select[data-strength-select]");
  var guides = document.querySelectorAll("[data-drug-guide]");

  function update() {
    var option = drugSelect.options[drugSelect.selectedIndex];
    var drugName = option && option.value ? option.text : "";
    guides.forEach(function (guide) {
      var match = guide.getAttribute("data-drug-guide") === drugSelect.value;
      guide.hidden = !match;
      guide.open = match;
    });
    if (!strengthSelect) {
      return;
    }
    var chosen = strengthSelect.value;
    var keep = null;
    strengthSelect.querySelectorAll("optgroup").forEach(function (group) {
      var match = group.label === drugName;
      group.hidden = !match;
      group.disabled = !match;
      if (match) {
        group.querySelectorAll("option").forEach(function (opt) {
          if (opt.value === chosen) {
            keep = opt;
          }
        });
      }
    });
    if (keep) {
      keep.selected = true;
    } else if (chosen) {
      strengthSelect.value = "";
    }
  }

  drugSelect.addEventListener("change", update);
  update();
})();
