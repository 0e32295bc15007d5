// The gifts of a request being typed (finances/request_edit.html): the running total, and only
// the fields of each donor's type. Progressive enhancement: without it every field shows and
// the server still checks everything.
(() => {
  // The server's rule (occe/core/forms.py, parse_french_decimal): cents after one comma or
  // dot, thousands grouped by spaces; anything ambiguous is not counted. Returns cents.
  function parseAmount(text) {
    const cleaned = text.replace(/€/g, "").replace(/[\u00a0\u202f\u2009]/g, " ").trim().replace(/\s+/g, " ");
    if (!cleaned) return null;
    if (!/^[\d ,.]+$/.test(cleaned)) return NaN;
    const parts = cleaned.split(/[.,]/);
    if ((cleaned.includes(",") && cleaned.includes(".")) || parts.length > 2) return NaN;
    let units = parts[0].trim();
    const cents = parts.length === 2 ? parts[1] : "0";
    if (!/^\d{1,2}$/.test(cents)) return NaN;
    if (units.includes(" ")) {
      if (!/^\d{1,3}( \d{3})+$/.test(units)) return NaN;
      units = units.replace(/ /g, "");
    }
    if (!/^\d+$/.test(units)) return NaN;
    return Number(units) * 100 + Number(cents.padEnd(2, "0"));
  }

  const euros = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });

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
