// Confirmation before irreversible actions: <form data-confirm="Message">.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// A choice that applies at once (the year switch): <select data-autosubmit>. Here rather than
// in an onchange attribute, which the Content-Security-Policy forbids.
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]")) event.target.form.requestSubmit();
});
