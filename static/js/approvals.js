// A promoted scenario's conflicts on an approval card: "All conflicts: scenario wins / working
// plan wins" picks that side in every row of the card (a row picked afterwards keeps its own).
document.addEventListener("change", function (event) {
  const all = event.target.closest("[data-resolve-all]");
  if (!all) {
    return;
  }
  const card = all.closest("form");
  card.querySelectorAll('input[type=radio][name^="resolve:"]').forEach(function (radio) {
    radio.checked = radio.value === all.value;
  });
});
