# Operator group: /providers and /backup, and the alert for a failed backup.
opp-title = <b>Upstreams</b>
opp-none = No upstream is enabled: set a provider's API key to enable it.
opp-on-sale = 🟢 On sale
opp-off-sale = ⛔ Off sale since { $since } (by { $actor }); open orders still finish
opp-reachable = Answers in { $ms } ms
opp-unreachable = ❌ Does not answer ({ $ms } ms): { $problem }
opp-balance-unknown = not readable
opp-figures = Our balance: { $balance } · products on sale: { $products } · open orders: { $open }
opp-take-off-sale = ⛔ Take { $name } off sale
opp-put-on-sale = 🟢 Put { $name } on sale
opp-now-off-sale = { $name } is off sale: no new quotes or orders.
opp-now-on-sale = { $name } is on sale again.
opp-unknown = This upstream is not enabled any more.
opb-done =
    💾 <b>Backup made</b>: { $file }
    Size: { $size } compressed ({ $database } database) · { $seconds } s
    Checks: integrity ✅ · ledger invariants ✅
    Older backups deleted: { $deleted }
opb-failed = 🚨 <b>Backup failed</b> (kept for inspection: { $file })
op-backup-failed = 🚨 <b>Backup failed</b> (kept for inspection: { $file })
opb-caption = 💾 Backup { $file } ({ $size }), checks passed
