// The budget of a grant application being typed (finances/grants/application_form.html): the
// totals of the expense and resource lines, and whether they balance, updated as the user
// types. Progressive enhancement: the server checks the budget again on saving and its
// answer is the one that counts (finances/services/grants.py, budget_problem).
(() => {
  const { parseAmount, euros } = window.occeAmounts;
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
