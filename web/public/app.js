// Optional enhancements; the page works fully without them.

// Times arrive in UTC; show them in the reader's own time zone and keep UTC in the tooltip.
const localTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
for (const time of document.querySelectorAll('time[datetime]')) {
  const when = new Date(time.getAttribute('datetime'));
  if (Number.isNaN(when.getTime())) continue;
  time.title = time.textContent;
  time.textContent = localTime.format(when);
}

// A second click while a form is on its way would send it twice: an add would come back as
// "ID already exists" for the product the first click just created.
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (form.method !== 'post') return;
  if (form.dataset.sending) {
    event.preventDefault();
    return;
  }
  form.dataset.sending = 'true';
  for (const button of form.querySelectorAll('button')) button.setAttribute('aria-disabled', 'true');
});

// Back/forward cache restores the page as it was left, busy buttons included.
window.addEventListener('pageshow', () => {
  for (const form of document.querySelectorAll('form[data-sending]')) {
    delete form.dataset.sending;
    for (const button of form.querySelectorAll('button')) button.removeAttribute('aria-disabled');
  }
});
