// Amounts typed the French way, shared by the pages that total them as the user types
// (dons.js, budget.js). Loaded before them.
window.occeAmounts = (() => {
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
  return { parseAmount, euros };
})();
