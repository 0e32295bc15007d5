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
