// Answers in place: with JavaScript on, the four forms post without a page reload and the
// server's answer (the form's section, fresh one-time key included) replaces the section.
// Without JavaScript the same forms post, redirect and show the same answers.
"use strict";

const FETCH = { "X-Requested-With": "fetch" };

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

async function submitInPlace(form) {
  if (form.dataset.busy) return;
  form.dataset.busy = "true";
  const button = form.querySelector("button[type=submit]");
  const label = button.textContent;
  button.disabled = true;
  button.textContent = "Sending…";
  form.setAttribute("aria-busy", "true");
  const ready = () => {  // the form as it was, to be sent again
    delete form.dataset.busy;
    button.disabled = false;
    button.textContent = label;
    form.removeAttribute("aria-busy");
  };
  let response, html;
  try {
    response = await fetch(form.action, {
      method: "POST", body: new FormData(form), headers: FETCH, credentials: "same-origin",
    });
    if (!response.redirected) html = await response.text();
  } catch (error) {
    ready();
    say(form, "The app could not be reached. What you typed is kept: try again.");
    return;
  }
  if (response.redirected) {  // logged out meanwhile: follow to the login page
    window.location.assign(response.url);
    return;
  }
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  const section = template.content.querySelector("section.step");
  if (!section) {
    // The one-time key makes sending again safe, even if the first one was done.
    ready();
    say(form, `The app answered with an error (HTTP ${response.status}). What you typed is kept: try again.`);
    return;
  }
  form.closest("section.step").replaceWith(section);
  if (response.ok) carryForward(section);  // an answer with errors made nothing new
  const focus = response.ok
    ? section.querySelector(".results li")
    : section.querySelector(".invalid input, .invalid textarea, .error");
  if (focus) focus.focus();
}

// A field the person typed into, or filled from a search, is theirs: nothing carried
// forward replaces it. A section put in place comes with untouched fields.
function touch(field) {
  field.dataset.touched = "true";
}

document.addEventListener("input", (event) => {
  if (event.target.closest("form[data-in-place]")) touch(event.target);
});

async function search(form, url, append) {
  const results = form.querySelector(".search-results");
  results.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(url, { headers: FETCH, credentials: "same-origin" });
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

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.matches("form[data-in-place]")) {
    event.preventDefault();
    submitInPlace(form);
  } else if (form.matches("form[data-search]")) {
    event.preventDefault();
    search(form, form.action + "?" + new URLSearchParams(new FormData(form)), false);
  }
});

document.addEventListener("click", (event) => {
  const pick = event.target.closest("[data-pick]");
  const more = event.target.closest("[data-more]");
  if (pick) {
    event.preventDefault();
    const section = pick.closest("section.step");
    const field = section.querySelector(`[name$="-${pick.dataset.field}"]`);
    field.value = pick.dataset.pick;
    touch(field);
    field.focus();
  } else if (more) {
    event.preventDefault();
    search(more.closest("form"), more.href, true);
  }
});
