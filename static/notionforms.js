// Answers in place: with JavaScript on, the four forms post without a page reload and the
// server's answer (the form's section, fresh one-time key included) replaces the section.
// Without JavaScript the same forms post, redirect and show the same answers.
"use strict";

const FETCH = { "X-Requested-With": "fetch" };
const OUT_OF_DATE = "This page is out of date (you logged in again elsewhere): what you typed is kept; " +
  "reload the page to send it.";
const FILES_AGAIN = "Choose the files again: a browser keeps none.";
const KEPT = "notionforms:kept";  // what was typed in forms that could not be sent, for this tab
const KEPT_FOR = 60 * 60 * 1000;  // milliseconds
const RESTORED = {
  login: "Restored what you typed before logging in again.",
  reload: "Restored what you typed before the page was reloaded.",
};

function username() {
  return document.querySelector("[data-username]")?.textContent.trim() || "";
}

function keep(form, reason) {
  // Keep what the form holds in this tab's session storage, to be put back in the same
  // fields once the home page comes again (after logging in again, or a reload).
  const fields = {};
  let files = false;  // a browser keeps no chosen file: they are to be chosen again
  for (const field of form.elements) {
    if (field.type === "file") files ||= field.files.length > 0;
    if (!field.name || field.type === "hidden" || field.type === "submit" || field.type === "file") continue;
    if (field.type === "checkbox") {
      // Boxes of one name (a multi-select's options) are kept as the list of those checked.
      fields[field.name] ||= [];
      if (field.checked) fields[field.name].push(field.value);
    } else {
      fields[field.name] = field.value;
    }
  }
  let kept = {};
  try {
    kept = JSON.parse(sessionStorage.getItem(KEPT)) || {};
  } catch (error) { /* nothing usable was kept */ }
  if (kept.user !== username()) kept = {};
  kept.user = username();
  kept.at = Date.now();
  kept.forms = { ...kept.forms, [form.closest("section.step").id]: { reason, fields, files } };
  try {
    sessionStorage.setItem(KEPT, JSON.stringify(kept));
  } catch (error) { /* storage refused: the note still says what happened */ }
}

function restore() {
  // Put back what was kept, once the home page is here, for the same person only.
  let kept;
  try {
    kept = JSON.parse(sessionStorage.getItem(KEPT));
  } catch (error) { /* nothing usable was kept */ }
  if (!kept || !document.querySelector("form[data-in-place]")) return;
  sessionStorage.removeItem(KEPT);
  if (kept.user !== username() || !(Date.now() - kept.at < KEPT_FOR)) return;
  for (const [action, { reason, fields, files }] of Object.entries(kept.forms || {})) {
    const form = document.querySelector(`section.step#${CSS.escape(action)} form[data-in-place]`);
    if (!form) continue;
    const builder = form.querySelector("fieldset[data-columns]");
    for (const [name, value] of Object.entries(fields)) {
      if (Array.isArray(value)) {
        for (const box of form.querySelectorAll(`input[type=checkbox][name="${CSS.escape(name)}"]`)) {
          box.checked = value.includes(box.value);
          touch(box);
        }
        continue;
      }
      let field = form.elements.namedItem(name);
      // A column row added after the page came is added again.
      while (!field && builder && /-columns-\d+-/.test(name) && addColumn(builder, false)) {
        field = form.elements.namedItem(name);
      }
      if (!field || field instanceof RadioNodeList || !("value" in field) || ["hidden", "file"].includes(field.type)) {
        continue;
      }
      field.value = value;
      touch(field);
      field.dispatchEvent(new Event("input", { bubbles: true }));
    }
    const note = document.createElement("p");
    note.className = "notice restored";
    note.setAttribute("role", "status");
    note.textContent = (RESTORED[reason] || RESTORED.reload) + (files ? " " + FILES_AGAIN : "");
    form.prepend(note);
  }
}

function carryForward(section) {
  // A new database feeds the page form, a new page the content and comment forms: only
  // into fields the person has not touched since their section came, and never into a
  // form the server sent back with its errors (it holds what was sent, as sent).
  const made = [
    ["madeDataSource", "madeDataSourceName", "recent-data-sources", ["page-data_source_id"]],
    ["madePage", "madePageName", "recent-pages", ["content-page_id", "comment-page_id"]],
  ];
  for (const [idKey, nameKey, listId, fieldIds] of made) {
    const id = section.dataset[idKey];
    if (!id) continue;
    for (const fieldId of fieldIds) {
      const field = document.getElementById("id_" + fieldId);
      if (!field || field.dataset.touched || field.form.hasAttribute("data-bound")) continue;
      if (field.value === field.defaultValue) {
        field.value = field.defaultValue = id;
        if (field.name === "page-data_source_id") loadFields(field.form);
      }
    }
    const list = document.getElementById(listId);
    if (list && !list.querySelector(`option[value="${CSS.escape(id)}"]`)) {
      const option = new Option(section.dataset[nameKey] || "Untitled", id);
      option.value = id;
      list.prepend(option);
    }
  }
}

function say(form, message) {
  // A note under the form saying why nothing was put in place; what was typed stays.
  let note = form.querySelector(".form-note");
  if (!note) {
    note = document.createElement("p");
    note.className = "error form-note";
    note.setAttribute("role", "alert");
    form.append(note);
  }
  note.textContent = message;
  return note;
}

function hasFiles(form) {
  return [...form.querySelectorAll("input[type=file]")].some((input) => input.files.length);
}

function postWithProgress(url, body, progress) {
  // fetch() tells nothing of an upload's progress; XMLHttpRequest does. Answers like fetch's.
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", url);
    for (const [name, value] of Object.entries(FETCH)) request.setRequestHeader(name, value);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) progress(event.loaded / event.total);
    });
    request.addEventListener("load", () => resolve({
      status: request.status,
      ok: request.status >= 200 && request.status < 300,
      redirected: new URL(request.responseURL).pathname !== new URL(url, window.location.href).pathname,
      url: request.responseURL,
      text: async () => request.responseText,
    }));
    request.addEventListener("error", () => reject(new Error("network")));
    request.send(body);
  });
}

async function submitInPlace(form, submitter) {
  // `submitter`: the button pressed. The Preview button asks for the preview alone, which
  // goes in place of the last one; nothing is sent to Notion for it.
  if (form.dataset.busy) return;
  form.dataset.busy = "true";
  const previewing = submitter?.name === "preview";
  // The form's own button, not "Show…" or "More…"; or Preview, when that is what was pressed.
  const button = previewing ? submitter : form.querySelector("button[type=submit]:not([name])");
  const body = new FormData(form, previewing ? submitter : null);  // while the button is enabled
  const label = button.textContent;
  button.disabled = true;
  button.textContent = previewing ? "Previewing…" : "Sending…";
  form.setAttribute("aria-busy", "true");
  const ready = () => {  // the form as it was, to be sent again
    delete form.dataset.busy;
    button.disabled = false;
    button.textContent = label;
    form.removeAttribute("aria-busy");
  };
  let response, html;
  try {
    response = hasFiles(form) && !previewing
      ? await postWithProgress(form.action, body, (share) => {
        button.textContent = share < 1 ? `Uploading… ${Math.floor(share * 100)}%` : "Sending…";
      })
      : await fetch(form.action, { method: "POST", body, headers: FETCH, credentials: "same-origin" });
    if (!response.redirected) html = await response.text();
  } catch (error) {
    ready();
    say(form, "The app could not be reached. What you typed is kept: try again.");
    return;
  }
  if (response.redirected) {
    // The session ended: log in again, and come back to this form with what it held.
    keep(form, "login");
    const login = new URL(response.url);
    login.searchParams.set("next", window.location.pathname + "#" + form.closest("section.step").id);
    window.location.assign(login.href);
    return;
  }
  if (response.status === 403) {
    // The page's CSRF token is out of date (its person logged in again since it came):
    // nothing sent from it is taken before a reload, which finds what it held kept.
    ready();
    form.dataset.stale = "true";
    keep(form, "reload");
    const note = say(form, OUT_OF_DATE + " ");
    const reload = document.createElement("button");
    reload.type = "button";
    reload.className = "secondary";
    reload.textContent = "Reload the page";
    reload.addEventListener("click", () => window.location.reload());
    note.append(reload);
    return;
  }
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  const section = template.content.querySelector("section.step");
  if (!section) {
    ready();
    if (response.status === 413) {  // over the app's limits, said in a sentence: nothing was sent
      say(form, html);
      return;
    }
    // The one-time key makes sending again safe, even if the first one was done.
    say(form, `The app answered with an error (HTTP ${response.status}). What you typed is kept: try again.`);
    return;
  }
  if (previewing && response.ok) {
    form.closest("section.step").querySelector(".preview").replaceWith(section.querySelector(".preview"));
    for (const field of form.querySelectorAll(".field.invalid")) {  // the content is fine now
      field.classList.remove("invalid");
      for (const error of field.querySelectorAll("p.error")) error.remove();
    }
    ready();
    return;
  }
  const earlier = form.closest("section.step").querySelector("details.earlier");
  if (earlier?.open) section.querySelector("details.earlier")?.setAttribute("open", "");
  form.closest("section.step").replaceWith(section);
  columnBuilders(section);
  countAll(section);
  if (response.ok) carryForward(section);  // an answer with errors made nothing new
  showNames(document);
  loadShownFields();
  const focus = response.ok
    ? section.querySelector(".results li")
    : section.querySelector(".invalid input, .invalid textarea, .error");
  if (focus) focus.focus();
}

// The column builder of the database form: "Add column" puts a blank row in place, cloned
// from the page's template row, and counts it in the formset's TOTAL_FORMS. Without
// JavaScript, "More columns" asks the server for the form with more rows instead.
function columnBuilders(root) {
  for (const builder of root.querySelectorAll("fieldset[data-columns]")) {
    builder.closest("form").querySelector("[data-more-columns]")?.remove();
    if (builder.querySelector("[data-add-column]")) continue;
    const add = document.createElement("button");
    add.type = "button";
    add.className = "secondary";
    add.dataset.addColumn = "";
    add.textContent = "Add column";
    builder.append(add);
    limitColumns(builder);
  }
}

function limitColumns(builder) {
  const total = Number(builder.querySelector("input[name$='-TOTAL_FORMS']").value);
  const max = Number(builder.querySelector("input[name$='-MAX_NUM_FORMS']").value);
  const add = builder.querySelector("[data-add-column]");
  add.disabled = total >= max;
  add.title = add.disabled ? `At most ${max} columns` : "";
}

function addColumn(builder, focus = true) {
  // A blank row at the end, if there may be one more; says whether there was.
  const total = builder.querySelector("input[name$='-TOTAL_FORMS']");
  if (builder.querySelector("[data-add-column]")?.disabled) return false;
  const index = String(Number(total.value));
  const row = builder.querySelector("template[data-column-template]").content.firstElementChild.cloneNode(true);
  for (const element of row.querySelectorAll("[name], [id], [for]")) {
    for (const attribute of ["name", "id", "for"]) {
      const value = element.getAttribute(attribute);
      if (value) element.setAttribute(attribute, value.replaceAll("__prefix__", index));
    }
  }
  builder.querySelector("[data-column-rows]").append(row);
  total.value = Number(index) + 1;
  limitColumns(builder);
  if (focus) row.querySelector("input").focus();
  return true;
}

// A text with a limit shows its length as the server counts it: in characters (code points,
// not UTF-16 units), stripped, each line break sent as CR LF. Nothing is cut: a text over
// the limit is marked, and the server refuses it with its own message.
const NUMBER = new Intl.NumberFormat("en");

function serverLength(text) {
  return [...text.trim().replace(/\r\n|\r|\n/g, "\r\n")].length;
}

function count(field) {
  const limit = Number(field.dataset.limit);
  const counter = document.getElementById(field.id + "_count");
  if (!limit || !counter) return;
  const used = serverLength(field.value);
  const over = used - limit;
  counter.textContent = `${NUMBER.format(used)} / ${NUMBER.format(limit)}` +
    (over > 0 ? `: ${NUMBER.format(over)} too many` : "");
  counter.classList.toggle("over", over > 0);
  const described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  if (!described.includes(counter.id)) field.setAttribute("aria-describedby", [...described, counter.id].join(" "));
}

function countAll(root) {
  for (const field of root.querySelectorAll("[data-limit]")) count(field);
}

// Under each ID field, the title of the object whose ID it holds: from the pick lists of
// recent objects (id → name) and from the search results picked since the page came.
const PICKED = new Map();
const NOTION_ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-f])|[0-9a-f]{32}(?![0-9a-f])/g;

function notionId(value) {
  // The dashed ID in an ID, dashed or not, or in a link: the last one of its path.
  const found = value.trim().toLowerCase().split(/[?#]/)[0].match(NOTION_ID);
  if (!found) return "";
  const hex = found[found.length - 1].replaceAll("-", "");
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
}

function nameOf(field) {
  const id = notionId(field.value);
  if (!id) return null;
  for (const option of field.list?.options || []) {
    if (notionId(option.value) === id) return option.textContent || "Untitled";
  }
  return PICKED.has(id) ? PICKED.get(id) : null;
}

function showName(field) {
  const caption = document.getElementById(field.id + "_name");
  if (!caption) return;
  const name = nameOf(field);
  const text = name === null ? "" : `${caption.dataset.kind} “${name}”`;
  if (caption.textContent !== text) caption.textContent = text;
  caption.title = text;
  const described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  if (!described.includes(caption.id)) field.setAttribute("aria-describedby", [...described, caption.id].join(" "));
}

function showNames(root) {
  for (const field of root.querySelectorAll("form[data-in-place] input[list]")) showName(field);
}

// A field the person typed into, or filled from a search, is theirs: nothing carried
// forward replaces it. A section put in place comes with untouched fields.
function touch(field) {
  field.dataset.touched = "true";
}

document.addEventListener("input", (event) => {
  if (!event.target.closest("form[data-in-place]")) return;
  touch(event.target);
  if (event.target.dataset.limit) count(event.target);
  if (event.target.list) showName(event.target);
});

async function search(form, url, append) {
  const results = form.querySelector(".search-results");
  results.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(url, { headers: FETCH, credentials: "same-origin" });
    if (response.redirected) {  // the session ended: the answer is the login page
      results.textContent = "You were logged out: reload the page to log in again, then search.";
      return;
    }
    if (!response.ok) {
      results.textContent = `The search could not be run (HTTP ${response.status}): try again.`;
      return;
    }
    const html = await response.text();
    if (append) {
      results.querySelector("[data-more]")?.remove();
      results.insertAdjacentHTML("beforeend", html);
    } else {
      results.innerHTML = html;
    }
  } catch (error) {
    results.textContent = "The search could not be run: try again.";
  } finally {
    results.removeAttribute("aria-busy");
  }
}

// Form 4: the blocks of the chosen page to comment on, and the comments already there.
async function loadTargets(form, url, append) {
  const box = form.querySelector("[data-comment-targets]");
  box.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(url, { headers: FETCH, credentials: "same-origin" });
    const template = document.createElement("template");
    template.innerHTML = (await response.text()).trim();
    const fresh = template.content.querySelector("[data-comment-targets]");
    if (!fresh) throw new Error("unexpected answer");
    if (append) {
      box.querySelector("[data-more-comments]")?.remove();
      box.querySelector("ol.comments")?.append(...fresh.querySelectorAll("ol.comments > li"));
      const more = fresh.querySelector("[data-more-comments]");
      if (more) box.append(more);
      return;
    }
    box.replaceWith(fresh);
    const choices = fresh.querySelector("[data-block-choices]");
    const select = form.elements.namedItem("comment-block_id");
    if (choices && select) {
      const chosen = select.value;
      select.replaceChildren(...[...choices.options].map((option) => new Option(option.text, option.value)));
      select.value = [...select.options].some((option) => option.value === chosen) ? chosen : "";
    }
  } catch (error) {
    box.textContent = "The blocks and comments could not be loaded: try again.";
  } finally {
    box.removeAttribute("aria-busy");
  }
}

function targetsUrl(form) {
  const page = form.elements.namedItem("comment-page_id").value.trim();
  const block = form.elements.namedItem("comment-block_id").value;
  return `/comments/on/?${new URLSearchParams({ page_id: page, block_id: block })}`;
}

document.addEventListener("change", (event) => {
  const field = event.target;
  if (field.name === "comment-page_id" && notionId(field.value)) {
    const select = field.form.elements.namedItem("comment-block_id");
    if (select) select.value = "";
    loadTargets(field.form, targetsUrl(field.form), false);
  } else if (field.name === "comment-block_id") {
    loadTargets(field.form, targetsUrl(field.form), false);
  }
});

// Form 4's comments are read again when Notion reports a new one on the page (its webhooks, as
// the server recorded them); without JavaScript they are read anew each time the list is shown.
setInterval(async () => {
  for (const box of document.querySelectorAll("[data-comment-events]")) {
    try {
      const response = await fetch(box.dataset.commentEvents, { headers: FETCH, cache: "no-store" });
      const { last } = await response.json();
      const form = box.closest("form");
      if (form && last > Number(box.dataset.commentEvent)) loadTargets(form, targetsUrl(form), false);
    } catch (error) {
      // the server is away for a moment: the next round asks again
    }
  }
}, 15000);

// The page form's fields are those of its data source: when the data source changes, its
// fields come in place of the others (the server keeps the schema a minute, so changing back
// and forth asks Notion once). Without JavaScript the "Show fields" button does it.
let fieldsAsked = 0;

async function loadFields(form) {
  const block = form.querySelector("[data-page-fields]");
  const source = form.elements.namedItem("page-data_source_id");
  if (!block || !source) return;
  const value = source.value.trim();
  if (block.dataset.requested === value) return;
  block.dataset.requested = value;
  const asked = ++fieldsAsked;
  block.setAttribute("aria-busy", "true");
  let html;
  try {
    const url = block.dataset.url + "?" + new URLSearchParams({ data_source_id: value });
    const response = await fetch(url, { headers: FETCH, credentials: "same-origin" });
    if (response.redirected) {
      html = "<p class='error'>You were logged out: reload the page to log in again.</p>";
    } else if (!response.ok) {
      html = `<p class="error">The fields could not be shown (HTTP ${response.status}): try again.</p>`;
    } else {
      html = await response.text();
    }
  } catch (error) {
    html = "<p class='error'>The app could not be reached: the fields could not be shown.</p>";
  }
  if (asked !== fieldsAsked) return;  // a newer choice is on its way
  block.removeAttribute("aria-busy");
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  const fresh = template.content.querySelector("[data-page-fields]");
  if (!fresh) {
    block.replaceChildren(template.content);
    return;
  }
  fresh.dataset.requested = value;
  block.replaceWith(fresh);
  const title = form.querySelector("label[for='id_page-name']");
  if (title) title.textContent = fresh.dataset.titleName || "New page name";
  countAll(fresh);
}

// "Show fields" comes first in the page form, so it is what Enter would press: Enter in any
// other field sends the form, as in the other forms.
document.addEventListener("keydown", (event) => {
  const field = event.target;
  if (event.key !== "Enter" || field.tagName !== "INPUT" || field.name === "page-data_source_id") return;
  const form = field.closest("form[data-in-place]");
  const show = form?.querySelector("[name=show_fields]");
  if (!show) return;
  event.preventDefault();
  form.requestSubmit(form.querySelector("button[type=submit]"));
});

document.addEventListener("change", (event) => {
  if (event.target.matches("form[data-in-place] [name='page-data_source_id']")) loadFields(event.target.form);
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (event.submitter?.name === "show_targets") {
    event.preventDefault();
    loadTargets(form, targetsUrl(form), false);
  } else if (form.matches("form[data-in-place]") && event.submitter?.name === "show_fields") {
    event.preventDefault();
    const block = form.querySelector("[data-page-fields]");
    if (block) delete block.dataset.requested;
    loadFields(form);
  } else if (form.matches("form[data-in-place]")) {
    event.preventDefault();
    submitInPlace(form, event.submitter);
  } else if (form.matches("form[data-search]")) {
    event.preventDefault();
    search(form, form.action + "?" + new URLSearchParams(new FormData(form)), false);
  }
});

document.addEventListener("click", (event) => {
  const pick = event.target.closest("[data-pick]");
  const more = event.target.closest("[data-more]");
  const moreComments = event.target.closest("[data-more-comments]");
  const addColumnButton = event.target.closest("[data-add-column]");
  if (moreComments) {
    event.preventDefault();
    loadTargets(moreComments.closest("form"), moreComments.href, true);
  } else if (addColumnButton) {
    addColumn(addColumnButton.closest("fieldset[data-columns]"));
  } else if (pick) {
    event.preventDefault();
    const section = pick.closest("section.step");
    const field = section.querySelector(`[name$="-${pick.dataset.field}"]`);
    field.value = pick.dataset.pick;
    PICKED.set(notionId(pick.dataset.pick), pick.textContent.trim() || "Untitled");
    touch(field);
    showName(field);
    if (field.name === "page-data_source_id") loadFields(field.form);
    field.focus();
  } else if (more) {
    event.preventDefault();
    search(more.closest("form"), more.href, true);
  }
});

// A form refused as out of date is kept again as the page goes, with what was typed since.
window.addEventListener("pagehide", () => {
  for (const form of document.querySelectorAll("form[data-in-place][data-stale]")) keep(form, "reload");
});

columnBuilders(document);

function loadShownFields() {
  // A data source carried into the page form whose fields the server had not at hand.
  const block = document.querySelector("form[data-in-place] [data-page-fields]");
  const source = block?.closest("form").elements.namedItem("page-data_source_id");
  if (block && source?.value.trim() && !block.dataset.fieldsFor && !block.querySelector(".error")) {
    loadFields(block.closest("form"));
  } else if (block && source) {
    block.dataset.requested = source.value.trim();
  }
}

countAll(document);
showNames(document);
restore();
loadShownFields();

// The job page: its progress, asked for every second and put in place; the finished job's
// page (with its summary) once it ends. Without JavaScript the page refreshes itself.
function followJob(section) {
  const update = async () => {
    let status;
    try {
      const response = await fetch(section.dataset.jobStatus, { headers: FETCH, cache: "no-store" });
      if (!response.ok) throw new Error(response.statusText);
      status = await response.json();
    } catch (error) {
      setTimeout(update, 3000);  // the server is away for a moment: ask again later
      return;
    }
    if (status.finished || status.state !== section.dataset.jobState) {
      window.location.reload();  // the page offers what fits the new state: resume, undo, the summary
      return;
    }
    for (const field of section.querySelectorAll("[data-job]")) field.textContent = status[field.dataset.job];
    const bar = section.querySelector("progress");
    bar.max = status.total;
    bar.value = status.handled;
    bar.textContent = status.counts_text;
    const noWorker = section.querySelector("[data-job-no-worker]");
    if (noWorker) noWorker.hidden = status.worker_seen;
    setTimeout(update, 1000);
  };
  setTimeout(update, 1000);
}

const jobSection = document.querySelector("[data-job-status]");
if (jobSection && !jobSection.querySelector(".result")) followJob(jobSection);
