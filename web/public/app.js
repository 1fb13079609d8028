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

// "N characters left" under name fields. The server counts characters as code points (an emoji
// is one), as MySQL does; the browser's maxlength would count UTF-16 units, so the field has none
// and this counts the same way the server does. The server stays the authority.
const characters = (text) => [...text].length;
for (const input of document.querySelectorAll('input[data-max-chars]')) {
  const max = Number(input.dataset.maxChars);
  const shown = document.createElement('p');
  shown.className = 'hint char-count';
  shown.id = `${input.id}-count`;
  // Spoken only after a pause in typing, so a screen reader is not interrupted at every key.
  const spoken = document.createElement('p');
  spoken.className = 'visually-hidden';
  spoken.setAttribute('aria-live', 'polite');
  const hint = document.getElementById(`${input.id}-hint`);
  (hint ?? input).after(shown, spoken);
  const describedBy = (input.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
  if (!describedBy.includes(shown.id)) input.setAttribute('aria-describedby', [...describedBy, shown.id].join(' '));
  let pause;
  const update = () => {
    const left = max - characters(input.value.trim());
    shown.textContent = left >= 0 ? `${left} ${left === 1 ? 'character' : 'characters'} left` : `${-left} ${left === -1 ? 'character' : 'characters'} too many`;
    shown.classList.toggle('over', left < 0);
    window.clearTimeout(pause);
    pause = window.setTimeout(() => {
      if (left < 20) spoken.textContent = shown.textContent;
    }, 1000);
  };
  input.addEventListener('input', update);
  update();
}
