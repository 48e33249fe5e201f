topup-title = <b>Top-up methods</b>
topup-balance = Your balance: { $balance }
topup-none = Top-ups are not available in the bot yet. Please contact support.
