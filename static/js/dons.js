// The gifts of a request being typed (finances/request_edit.html): the running total, and only
// the fields of each donor's type. Progressive enhancement: without it every field shows and
// the server still checks everything.
(() => {
  const { parseAmount, euros } = window.occeAmounts;

  function updateTotal() {
    const output = document.getElementById("total-dons");
    if (!output) return;
    let total = 0;
    let unreadable = 0;
    document.querySelectorAll("fieldset.don").forEach((line) => {
      const removed = line.querySelector('input[name$="-DELETE"]');
      if (removed && removed.checked) return;
      const input = line.querySelector("input[data-montant]");
      if (!input) return;
      const cents = parseAmount(input.value);
      if (cents === null) return;
      if (Number.isNaN(cents)) unreadable += 1;
      else total += cents;
    });
    output.textContent = euros.format(total / 100);
    const note = document.getElementById("total-dons-note");
    if (note) {
      note.textContent = unreadable
        ? `(${unreadable} montant${unreadable > 1 ? "s" : ""} illisible${unreadable > 1 ? "s" : ""} non compté${unreadable > 1 ? "s" : ""})`
        : "";
    }
  }

  function showDonorFields(line) {
    const type = line.querySelector("select[data-type-donateur]");
    if (!type) return;
    line.querySelectorAll("[data-pour]").forEach((input) => {
      const field = input.closest(".field");
      // Through the style: `.field` is a flex box, which the hidden attribute does not override.
      if (field) field.style.display = input.dataset.pour === type.value ? "" : "none";
    });
  }

  function refresh() {
    document.querySelectorAll("fieldset.don").forEach(showDonorFields);
    updateTotal();
  }

  document.addEventListener("input", (event) => {
    if (event.target.matches("input[data-montant]")) updateTotal();
  });
  document.addEventListener("change", (event) => {
    if (event.target.matches("select[data-type-donateur]")) showDonorFields(event.target.closest("fieldset.don"));
    if (event.target.matches('input[name$="-DELETE"]')) updateTotal();
  });
  document.addEventListener("htmx:afterSwap", refresh);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", refresh);
  else refresh();
})();
