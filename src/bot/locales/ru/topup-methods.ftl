# Способы пополнения: суммы, Telegram Stars, Crypto Pay, ручные заявки, чеки.
topup-choose-amount = На какую сумму пополнить?
topup-other-amount = ✏️ Другая сумма
topup-ask-amount =
    Напишите сумму в долларах США, например <code>12.50</code>.
    От { $min } до { $max }.
topup-amount-invalid = ⚠️ Это не сумма. Напишите число долларов, например 12.50 или 12,50.
topup-amount-limits = ⚠️ Сумма должна быть от { $min } до { $max }.
topup-cancelled = Пополнение отменено. Ничего не списано.
topup-receipt =
    ✅ На кошелёк зачислено <b>{ $amount }</b>.
    Баланс: <b>{ $balance }</b>
topup-credited-notice =
    ✅ Кошелёк пополнен на <b>{ $amount }</b> ({ $method }).
    Баланс: <b>{ $balance }</b>
topup-rejected-notice =
    ❌ Заявка на пополнение на { $amount } отклонена.
    Причина: { $reason }
    Ваш баланс по-прежнему { $balance }. Если это ошибка, напишите в поддержку.
topup-method-stars = Telegram Stars
topup-method-cryptopay = Crypto Pay
topup-method-manual = ручное пополнение
topup-reason-not-received = платёж не поступил
topup-reason-amount-differs = поступившая сумма не совпадает с заявкой

stars-label = ⭐ Telegram Stars
stars-title = <b>Пополнение через Telegram Stars</b>
stars-rate = { $amount } стоит { $stars } ⭐.
stars-invoice-title = Пополнение кошелька
stars-invoice-description = Зачисляет { $amount } на ваш кошелёк в Proxy Storefront.
stars-invoice-label = Пополнение { $amount }
stars-refused-invalid = Этот счёт недействителен. Начните новое пополнение в боте.
stars-refused-used = Этот счёт уже оплачен. Начните новое пополнение в боте.
stars-refused-expired = Срок этого счёта истёк. Начните новое пополнение в боте.
stars-refused-changed = Сумма этого счёта изменилась. Начните новое пополнение в боте.
stars-paid-unmatched = Мы получили ваш платёж, но не смогли автоматически зачислить его на кошелёк. Операторы уже знают и разберутся.
stars-refunded =
    ↩ Ваш платёж на { $stars } ⭐ возвращён, а { $amount } списано с кошелька.
    Баланс: <b>{ $balance }</b>

cryptopay-label = 💎 Криптовалюта (Crypto Pay)
cryptopay-title =
    <b>Пополнение криптовалютой через Crypto Pay</b>
    Оплата в { $assets } в @CryptoBot; счёт выставляется в долларах США.
cryptopay-invoice =
    💎 Счёт на <b>{ $amount }</b> готов.
    Оплатите его в @CryptoBot в течение часа. Кошелёк пополнится, как только придёт платёж.
cryptopay-pay = 💎 Оплатить через Crypto Pay
cryptopay-check = 🔄 Проверить оплату
cryptopay-new = 💎 Новый счёт
cryptopay-not-paid = ⏳ Оплаты пока нет (проверено { $time }).
cryptopay-check-failed = ⚠️ Не удалось связаться с Crypto Pay. Попробуйте через минуту.
cryptopay-paid = ✅ Оплата получена: { $amount } на вашем кошельке.
cryptopay-expired = ⌛ Срок счёта на { $amount } истёк, ничего не списано. Создайте новый, если всё ещё хотите оплатить.
cryptopay-unavailable = ⚠️ Crypto Pay сейчас недоступен. Попробуйте через несколько минут.

manual-label = 🏦 Другие способы (вручную)
manual-title = <b>Ручное пополнение</b>
manual-instructions = Как оплатить:
manual-ask-amount = Сколько вы отправили? Выберите или напишите сумму в долларах США, от { $min } до { $max }.
manual-ask-note =
    Сумма: <b>{ $amount }</b>.
    Теперь напишите операторам, как вы оплатили, чтобы они нашли платёж: способ, номер транзакции, отправитель (до { $max } символов).
manual-note-invalid = ⚠️ Напишите от 1 до { $max } символов.
manual-confirm =
    Проверьте заявку:
    Сумма: <b>{ $amount }</b>
    Подробности: { $note }

    Отправить операторам?
manual-send = ✅ Отправить операторам
manual-sent = 📨 Заявка на { $amount } отправлена операторам. Когда они её подтвердят, вы получите сообщение здесь.
