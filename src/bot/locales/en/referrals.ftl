# Referrals: the customer's link, whom they invited and what they earned.
menu-referrals = 🤝 Referrals
referrals-title = <b>Referrals</b>
referrals-explain = Invite people with your link: you get { $percent }% of every purchase they make, straight to your wallet.
referrals-explain-off = Invite people with your link. Rewards are switched off right now.
referrals-link = Your link: { $link }
referrals-invited = People invited: <b>{ $count }</b>
referrals-earned = Earned: <b>{ $amount }</b>
referrals-share = 📤 Share my link
referrals-share-text = Proxies in a couple of taps, paid from a wallet:
referrals-welcome = 🤝 You came with an invitation — welcome!
history-referral = Referral reward
op-referral-unrecovered =
    ⚠️ <b>A referral reward was already spent.</b>
    Order { $order } was refunded, so its reward of { $reward } is taken back: { $reversed } came from the referrer's wallet, { $unrecovered } had already been spent and is recorded as unrecovered.
    The referrer:

# Told to a referrer when a purchase of someone they invited pays them, and when its refund takes it back.
referral-notice-credited = 🤝 Someone you invited made a purchase: <b>{ $amount }</b> was added to your balance.
referral-notice-reversed = ↩️ A purchase of someone you invited was refunded, so its referral reward of { $amount } is taken back.
referral-notice-reversed-taken = { $amount } was taken from your balance.
referral-notice-reversed-spent = { $amount } had already been spent and stays as it is.
