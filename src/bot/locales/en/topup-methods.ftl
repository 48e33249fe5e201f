# Top-up methods: amounts, Telegram Stars, Crypto Pay, manual requests, receipts.
topup-choose-amount = How much would you like to add?
topup-other-amount = ✏️ Other amount
topup-ask-amount =
    Type the amount in US dollars, for example <code>12.50</code>.
    From { $min } to { $max }.
topup-amount-invalid = ⚠️ That is not an amount. Type a number of dollars, like 12.50 or 12,50.
topup-amount-limits = ⚠️ The amount must be from { $min } to { $max }.
topup-cancelled = Top-up cancelled. Nothing was charged.
topup-receipt =
    ✅ <b>{ $amount }</b> added to your wallet.
    Balance: <b>{ $balance }</b>
topup-credited-notice =
    ✅ Your wallet was topped up with <b>{ $amount }</b> ({ $method }).
    Balance: <b>{ $balance }</b>
topup-rejected-notice =
    ❌ Your top-up request for { $amount } was declined.
    Reason: { $reason }
    Your balance is still { $balance }. If you think this is a mistake, please contact support.
topup-method-stars = Telegram Stars
topup-method-cryptopay = Crypto Pay
topup-method-manual = manual top-up
topup-reason-not-received = the payment has not arrived
topup-reason-amount-differs = the amount received differs from the request

stars-label = ⭐ Telegram Stars
stars-title = <b>Top up with Telegram Stars</b>
stars-rate = { $amount } costs { $stars } ⭐.
stars-invoice-title = Wallet top-up
stars-invoice-description = Adds { $amount } to your Proxy Storefront wallet.
stars-invoice-label = Top-up { $amount }
stars-refused-invalid = This invoice is not valid. Please start a new top-up in the bot.
stars-refused-used = This invoice has already been paid. Please start a new top-up in the bot.
stars-refused-expired = This invoice has expired. Please start a new top-up in the bot.
stars-refused-changed = The price of this invoice has changed. Please start a new top-up in the bot.
stars-paid-unmatched = We received your payment but could not add it to your wallet automatically. The operators have been told and will sort it out.
stars-refunded =
    ↩ Your payment of { $stars } ⭐ was refunded, and { $amount } was taken back from your wallet.
    Balance: <b>{ $balance }</b>

cryptopay-label = 💎 Crypto (Crypto Pay)
cryptopay-title =
    <b>Top up with crypto through Crypto Pay</b>
    You pay in { $assets } at @CryptoBot; the invoice is in US dollars.
cryptopay-invoice =
    💎 Your invoice for <b>{ $amount }</b> is ready.
    Pay it at @CryptoBot within an hour. Your wallet is topped up as soon as the payment arrives.
cryptopay-pay = 💎 Pay with Crypto Pay
cryptopay-check = 🔄 Check payment
cryptopay-new = 💎 New invoice
cryptopay-not-paid = ⏳ No payment yet (checked { $time }).
cryptopay-check-failed = ⚠️ Could not reach Crypto Pay to check. Please try again in a minute.
cryptopay-paid = ✅ Payment received: { $amount } is in your wallet.
cryptopay-expired = ⌛ The invoice for { $amount } has expired and nothing was charged. Create a new one if you still want to pay.
cryptopay-unavailable = ⚠️ Crypto Pay is not available right now. Please try again in a few minutes.

manual-label = 🏦 Other ways (manual)
manual-title = <b>Manual top-up</b>
manual-instructions = How to pay:
manual-ask-amount = How much did you send? Choose or type the amount in US dollars, from { $min } to { $max }.
manual-ask-note =
    Amount: <b>{ $amount }</b>.
    Now tell the operators how you paid so they can find it: the method, the transaction id, the sender (up to { $max } characters).
manual-note-invalid = ⚠️ Please write between 1 and { $max } characters.
manual-confirm =
    Please check your request:
    Amount: <b>{ $amount }</b>
    Details: { $note }

    Send it to the operators?
manual-send = ✅ Send to the operators
manual-sent = 📨 Your request for { $amount } was sent to the operators. You will get a message here when they confirm it.
