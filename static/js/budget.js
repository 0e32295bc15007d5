// The budget of a grant application being typed (finances/grants/application_form.html): the
// totals of the expense and resource lines, and whether they balance, updated as the user
// types. Progressive enhancement: the server checks the budget again on saving and its
// answer is the one that counts (finances/services/grants.py, budget_problem).
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
  const format = (cents) => euros.format(cents / 100);

  // [total in cents, unreadable amounts] of the inputs matching `selector`.
  function sum(selector) {
    let total = 0;
    let unreadable = 0;
    document.querySelectorAll(selector).forEach((input) => {
      const cents = parseAmount(input.value);
      if (cents === null) return;
      if (Number.isNaN(cents)) unreadable += 1;
      else total += cents;
    });
    return [total, unreadable];
  }

  function update() {
    const box = document.getElementById("budget-direct");
    if (!box) return;
    const [expenses, badExpenses] = sum('input[name^="depenses-"][name$="-amount"]');
    const [resources, badResources] = sum('input[name^="recettes-"][name$="-amount"]');
    const [asked, badAsked] = sum('input[name="amount_requested"]');
    const income = resources + asked;
    const unreadable = badExpenses + badResources + badAsked;
    document.getElementById("total-depenses").textContent = format(expenses);
    document.getElementById("total-recettes").textContent = format(income);
    const message = document.getElementById("budget-equilibre");
    let text;
    let balanced = false;
    if (expenses <= 0) text = "Le budget n'a aucune dépense.";
    else if (expenses === income) {
      text = "Le budget est équilibré.";
      balanced = true;
    } else if (expenses > income) {
      text = `Le budget n'est pas équilibré : il manque ${format(expenses - income)} de recettes.`;
    } else {
      text = `Le budget n'est pas équilibré : les recettes dépassent les dépenses de ${format(income - expenses)}.`;
    }
    if (unreadable) {
      const s = unreadable > 1 ? "s" : "";
      text += ` (${unreadable} montant${s} illisible${s} non compté${s} : écrivez par exemple 1 234,56.)`;
      balanced = false;
    }
    message.textContent = text;
    message.classList.toggle("budget-ok", balanced);
    message.classList.toggle("budget-ko", !balanced);
  }

  function start() {
    const box = document.getElementById("budget-direct");
    if (!box) return;
    box.hidden = false;
    update();
  }

  document.addEventListener("input", (event) => {
    if (event.target.matches('input[name$="-amount"], input[name="amount_requested"]')) update();
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
