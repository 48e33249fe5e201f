# Operators' commands in the operator group.
admin-help =
    <b>Operator commands</b>
    /stats [hours] — sales, margin, wallets, open orders
    /markup — the markup rules in force
    /markup &lt;provider|*&gt; &lt;product|*&gt; &lt;percent&gt; &lt;min margin $&gt; — set a rule
    /refund &lt;order id&gt; &lt;amount $|all&gt; &lt;reason&gt; — refund an order
    /credit &lt;telegram id&gt; &lt;amount $&gt; &lt;reason&gt; — adjust a wallet (negative takes away)
    /debit &lt;telegram id&gt; &lt;amount $&gt; &lt;reason&gt; — take money out of a wallet, e.g. a card refunded at the provider
    /ledger — check the ledger's invariants
admin-stats-usage = Usage: /stats [hours], e.g. /stats 168 for the last week.
admin-stats =
    <b>Last { $hours } h</b>
    Orders: { $delivered } delivered, { $failed } failed, { $open } open ({ $attention } need attention)
    Sales: { $sales } · upstream cost: { $cost } · refunds: { $refunds }
    Margin: <b>{ $margin }</b>
    Top-ups: { $topups }
    In wallets now: { $wallets } · customers: { $customers }
admin-markup-none = No markup rules yet: the built-in default (30 %, at least $0.50 per unit) applies.
admin-markup-title = <b>Markup rules</b> (the most specific wins)
admin-markup-usage = Usage: /markup &lt;provider|*&gt; &lt;product|*&gt; &lt;percent&gt; &lt;min margin $&gt;, e.g. /markup flashproxy * 25 0.30
admin-markup-set = Markup for { $provider } / { $product } is now { $percent } %, at least { $margin } per unit. New quotes use it.
admin-refund-usage = Usage: /refund &lt;order id&gt; &lt;amount $|all&gt; &lt;reason&gt;, e.g. /refund ord_abc 2.50 proxy was slow
admin-no-order = There is no order { $order }.
admin-refund-done = Refunded { $amount } for order { $order }. The customer's balance is now { $balance }.
admin-credit-usage = Usage: /credit &lt;telegram id&gt; &lt;amount $&gt; &lt;reason&gt;, e.g. /credit 12345 10 bank transfer
admin-credit-done = Done: { $amount }. The customer's balance is now { $balance }.
admin-refused = Refused: { $reason }
admin-ledger-ok = ✅ The ledger checks out: money is conserved, balances match the journal, every order matches its hold.
admin-ledger-broken = ⚠️ { $count } problem(s) found in the ledger:
