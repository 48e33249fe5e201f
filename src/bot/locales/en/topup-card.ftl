# Card top-ups through Telegram Payments.
card-label = 💳 Bank card
card-title = <b>Top up by card</b>
card-rate = You pay in { $currency }: { $amount } costs { $price }.
card-invoice-title = Wallet top-up
card-invoice-description = Adds { $amount } to your Proxy Storefront wallet.
card-invoice-label = Top-up { $amount }
card-refused-invalid = This invoice is not valid. Please start a new top-up in the bot.
card-refused-used = This invoice has already been paid. Please start a new top-up in the bot.
card-refused-expired = This invoice has expired. Please start a new top-up in the bot.
card-refused-changed = The price of this invoice has changed. Please start a new top-up in the bot.
card-paid-unmatched = We received your payment but could not add it to your wallet automatically. The operators have been told and will sort it out.
topup-method-card = bank card
op-method-card = bank card (Telegram Payments)
op-card-refund-manual = Card payments cannot be refunded through Telegram: refund charge { $charge } in the payment provider's dashboard, then record it here with <code>/debit { $telegramId } { $amount } card refund</code>.
op-card-unmatched =
    ⚠️ <b>A card payment could not be credited.</b>
    { $price } from Telegram id { $telegramId }, charge { $charge }, provider charge { $providerCharge }, payload { $payload } ({ $reason }).
    Credit the customer by hand (/credit) or refund the payment in the provider's dashboard.
admin-debit-usage = Usage: /debit &lt;telegram id&gt; &lt;amount $&gt; &lt;reason&gt;, e.g. /debit 12345 10 card refund — takes money out of a wallet (never below zero), e.g. after refunding a card payment at the provider.
