// Treatment form: show only the chosen medicine's strengths and how-to-apply summary, and start a new course
// from the medicine's usual schedule.
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

  // A new course: the chosen medicine's usual schedule from the guide, unless the patient set the schedule.
  var usual = {};
  try {
    usual = JSON.parse(drugSelect.dataset.usualSchedules || "{}");
  } catch (e) {
    usual = {};
  }
  var timesInput = document.querySelector("input[name='schedule_times']");
  var kindInputs = document.querySelectorAll("input[name='schedule_kind']");
  var scheduleSetByPatient = false;
  [timesInput].concat(Array.prototype.slice.call(kindInputs)).forEach(function (input) {
    if (input) {
      input.addEventListener("input", function () {
        scheduleSetByPatient = true;
      });
      input.addEventListener("change", function () {
        scheduleSetByPatient = true;
      });
    }
  });

  function suggestSchedule() {
    var schedule = usual[drugSelect.value];
    if (!schedule || scheduleSetByPatient || !timesInput) {
      return;
    }
    timesInput.value = schedule.times;
    kindInputs.forEach(function (input) {
      input.checked = input.value === schedule.kind;
    });
  }

  drugSelect.addEventListener("change", update);
  drugSelect.addEventListener("change", suggestSchedule);
  update();
})();
