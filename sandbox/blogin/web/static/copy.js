/* Copy buttons of BlogIn's settings pages.
   A button with data-copy="<input id>" copies that field; one with data-copy-text="..." copies its text.
   The browser's copy command runs first, inside the click: it works in embedded browsers too (the sandbox's
   own window), where the Clipboard API can wait for a permission nobody is asked for. When neither copies,
   the value is left selected and the button says which keys copy it, instead of doing nothing. */
(function () {
  var keys = /Mac|iPhone|iPad/.test(navigator.platform) ? 'Press \u2318C' : 'Press Ctrl+C';

  // Buttons named by aria-label keep that name when their text changes, so what they say is also put in
  // a status region a screen reader reads out.
  var status = null;
  function announce(words) {
    if (!status) {
      status = document.createElement('span');
      status.className = 'visually-hidden';
      status.setAttribute('role', 'status');
      document.body.appendChild(status);
    }
    status.textContent = words === 'Copied' ? 'Copied to the clipboard' : words;
  }

  function say(button, words) {
    button.textContent = words;
    announce(words);
    clearTimeout(button.copyTimer);
    button.copyTimer = setTimeout(function () { button.textContent = 'Copy'; }, words === 'Copied' ? 1500 : 4000);
  }

  function selectShown(button, field) {
    if (field) { field.focus(); field.select(); return; }
    var code = button.parentElement && button.parentElement.querySelector('code');
    if (!code) return;
    var range = document.createRange();
    range.selectNodeContents(code);
    var prefix = code.querySelector('.value-prefix');
    if (prefix) range.setStartAfter(prefix);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function commandCopy(text, field) {
    var target = field, scratch = null;
    if (!target) {
      scratch = document.createElement('textarea');
      scratch.value = text;
      scratch.setAttribute('readonly', '');
      scratch.style.position = 'fixed';
      scratch.style.opacity = '0';
      document.body.appendChild(scratch);
      target = scratch;
    }
    target.focus();
    target.select();
    var copied = false;
    try { copied = document.execCommand('copy'); } catch (e) { copied = false; }
    if (scratch) scratch.remove();
    return copied;
  }

  function copy(button) {
    var field = button.dataset.copy ? document.getElementById(button.dataset.copy) : null;
    var text = field ? field.value : button.dataset.copyText;
    // The copy command moves the focus to what it selects; a keyboard user stays on the button.
    if (commandCopy(text, field)) { button.focus(); say(button, 'Copied'); return; }
    var manual = function () { selectShown(button, field); say(button, keys); };
    if (!(navigator.clipboard && window.isSecureContext)) { manual(); return; }
    var settled = false;
    navigator.clipboard.writeText(text).then(
      function () { settled = true; say(button, 'Copied'); },
      function () { settled = true; manual(); });
    setTimeout(function () { if (!settled) manual(); }, 1200);
  }

  document.addEventListener('click', function (event) {
    var button = event.target.closest('[data-copy], [data-copy-text]');
    if (button) copy(button);
  });
})();
