# The proxy checker: "Check" on the proxy card, and the notices after a failed check on delivery.
proxy-btn-check = 🩺 Check
proxy-check-running = 🩺 Checking through the proxy…
proxy-check-title = 🩺 <b>Checked through the proxy</b>
proxy-check-login = 🔑 Login { $login }
proxy-check-login-added = ➕ Added login { $login }
proxy-check-ok = ✅ { $protocol }: works, { $latency } ms
proxy-check-exit = Exit IP: { $ip }
proxy-check-exit-country = Exit IP: { $ip } ({ $country })
proxy-check-failed-line = ❌ { $protocol }: { $reason }
proxy-check-failure-proxy_unreachable = the proxy does not answer
proxy-check-failure-auth_rejected = the proxy refused the login or password
proxy-check-failure-target_unreachable = the proxy could not reach the check site
proxy-check-failure-timeout = no answer within { $seconds } s
proxy-check-failure-bad_answer = the check site answered with an error
proxy-check-rate-limited = ⏳ Too many checks. Try again in { $seconds } s.
proxy-check-not-checkable = Only an active proxy can be checked.
notice-proxy-check-failed =
    ⚠️ Your new proxy { $product } ({ $host }) did not pass its first check:
    { $failures }
    A proxy sometimes needs a few minutes to come up: try "Check" on its card. If it still fails, write to support.
op-delivered-proxy-check-failed =
    ⚠️ <b>A delivered proxy failed its check</b>
    Order { $order } · { $provider } · { $product }
    Host { $host }
    { $failures }
    Not refunded automatically: the upstream sold it.
oa-kind-delivered_proxy_check_failed = delivered proxies that failed their check
