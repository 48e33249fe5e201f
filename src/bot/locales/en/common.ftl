# Shared buttons and messages.
btn-back = « Back
btn-cancel = ✖ Cancel
btn-next = Next »
btn-main-menu = ☰ Main menu
btn-prev-page = ‹ Previous
btn-next-page = Next ›
btn-top-up = ➕ Top up
page-of = Page { $page } of { $pages }
use-buttons = Please use the buttons.
unknown-input = I didn't understand that. Here is the menu.
error-generic = Something went wrong on our side. Please try again in a moment.
rate-limited = You're sending messages too fast. Please wait a few seconds — I'll keep up.
