# Support inside the bot (features/support.ts).
help-support-in-bot = Questions or trouble? Press “Write to support”, or just type your message: the shop's team answers here.
support-write = ✉️ Write to support
support-compose = <b>Write to support</b>
    Send your message (text, a screenshot or a file). It goes to the shop's team; their answer comes here.
support-sent = ✅ Sent to support. The team's answer will come here.
support-cancelled = Nothing was sent.
support-unavailable = Support cannot take messages in the bot right now. Please try again later.
support-offer = Is this for the shop's support team?
support-send-typed = ✉️ Send it to support
support-reply = 💬 <b>Support:</b> { $text }
# In the operator group.
support-header = ✉️ <b>Support message</b> from { $name } ({ $username }, Telegram id { $telegramId }) · card: { $card }
    Reply to the message below to answer.
support-reply-delivered = ✅ Sent to { $name }.
support-reply-blocked = ⚠️ Not delivered: the customer has blocked the bot.
support-reply-failed = ⚠️ Not delivered: Telegram refused it. Try again in a moment.
