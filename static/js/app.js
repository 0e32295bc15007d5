// Confirmation before irreversible actions: <form data-confirm="Message">.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// One menu group open at a time; a click elsewhere closes it.
document.addEventListener("click", (event) => {
  document.querySelectorAll(".nav-group details[open]").forEach((details) => {
    if (!details.contains(event.target)) details.removeAttribute("open");
  });
});

// A choice that applies at once (the year switch): <select data-autosubmit>. Here rather than
// in an onchange attribute, which the Content-Security-Policy forbids.
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]")) event.target.form.requestSubmit();
});

// On a phone (the breakpoint of app.css), the menu and the search filters fold away so that the
// page's content is on the first screen; tables become one card per row, each value labelled
// with its column's heading. Without JavaScript, everything stays unfolded.
const phone = window.matchMedia("(max-width: 700px)");

function foldMenu() {
  const button = document.querySelector(".menu-button");
  const menu = document.getElementById("site-menu");
  if (!button || !menu) return;
  button.hidden = false;
  const show = (open) => {
    button.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("folded", !open);
  };
  show(!phone.matches);
  button.addEventListener("click", () => show(menu.classList.contains("folded")));
  phone.addEventListener("change", () => show(!phone.matches));
}

function foldFilters(root) {
  root.querySelectorAll("form.filters[method=get]:not([data-folded])").forEach((form) => {
    form.dataset.folded = "";
    const active = [...new FormData(form).entries()].filter(
      ([name, value]) => value && !["page", "tri", "annee", "year"].includes(name)
    ).length;
    const details = document.createElement("details");
    details.className = "filters-fold";
    const summary = document.createElement("summary");
    summary.textContent = active ? `Filtres (${active} actif${active > 1 ? "s" : ""})` : "Filtres";
    details.append(summary);
    form.replaceWith(details);
    details.append(form);
    details.open = !phone.matches;
  });
}

function labelCells(root) {
  root.querySelectorAll("main table:not(.availability):not([data-labelled])").forEach((table) => {
    table.dataset.labelled = "";
    table.classList.add("cards");
    const headRow = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!headRow) return;
    const labels = [];
    for (const cell of headRow.cells) {
      for (let i = 0; i < cell.colSpan; i++) labels.push(cell.textContent.trim());
    }
    for (const body of [...table.tBodies, ...(table.tFoot ? [table.tFoot] : [])]) {
      for (const row of body.rows) {
        let column = 0;
        for (const cell of row.cells) {
          if (!cell.hasAttribute("data-label") && labels[column]) cell.dataset.label = labels[column];
          column += cell.colSpan;
        }
      }
    }
  });
}

function enhance(root) {
  foldFilters(root);
  labelCells(root);
}

document.addEventListener("DOMContentLoaded", () => {
  foldMenu();
  enhance(document);
});
document.addEventListener("htmx:afterSettle", (event) => enhance(event.target));
