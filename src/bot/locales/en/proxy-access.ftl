proxy-btn-allowlist = 🛡 IP allowlist
proxy-btn-cancel = 🗑 Cancel the plan
allowlist-title = <b>IP allowlist</b> · { $product }
allowlist-empty = The list is empty: anyone with the login and password can use this proxy.
allowlist-entries = Only these IP addresses can use this proxy:
allowlist-rules = Up to { $max } single addresses (IPv4 or IPv6).
allowlist-rules-no-ranges = Ranges such as 203.0.113.0/24 are not accepted.
allowlist-btn-add = ➕ Add an IP
allowlist-btn-remove = ✖ { $ip }
allowlist-add-prompt = Send the IP address or addresses to allow, separated by spaces or new lines. /cancel to stop.
allowlist-add-stopped = Nothing was added.
allowlist-added = ✅ The allowlist is updated.
allowlist-removed = ✅ { $ip } can no longer use this proxy.
allowlist-refused = ⚠️ The allowlist was not changed:
allowlist-problem-malformed = { $entry } is not an IPv4 or IPv6 address
allowlist-problem-cidr = { $entry } is a range; only single addresses are accepted
allowlist-problem-too-many = the list would hold { $count } addresses; at most { $max } are allowed
allowlist-problem-upstream = the provider refused the list: { $message }
access-not-active = ⚠️ This proxy is no longer active.
cancel-confirm = <b>Cancel { $product } now?</b>
cancel-ends = { $count ->
        [one] This ends the proxy { $hosts } at once.
       *[other] This ends all { $count } proxies of the plan at once: { $hosts }.
    }
cancel-refund-none = { $provider } does not refund a cancelled plan, so no money comes back to your balance.
cancel-irreversible = This cannot be undone.
cancel-btn-confirm = 🗑 Yes, cancel without refund
cancel-done = ✅ The plan is cancelled. No money was refunded.
cancel-renewal-in-progress = ⏳ A renewal of this proxy is still being completed. Try cancelling again once it is done.
