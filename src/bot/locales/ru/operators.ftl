# Группа операторов: уведомления и кнопки администраторов.
op-customer = Клиент: { $name }, Telegram id { $telegramId }
op-customer-unknown = Клиент: неизвестен (id { $id })
op-method-stars = Telegram Stars
op-method-cryptopay = Crypto Pay
op-method-manual = вручную
op-manual-request = 🧾 <b>Заявка на ручное пополнение: { $amount }</b>
op-note = Подробности: { $note }
op-topup-id = Пополнение: { $id }
op-topup-received = 💰 <b>Получено пополнение: { $amount }</b> через { $method }
op-confirm = ✅ Подтвердить
op-reject = ❌ Отклонить
op-refund = ↩ Вернуть
op-back = « Назад
op-state-created = ожидает
op-state-paid = оплачено
op-state-credited = подтверждено и зачислено
op-state-expired = просрочено
op-state-rejected = отклонено
op-state-refunding = возвращается
op-state-refunded = возвращено
op-already-decided = Уже { $state }.
op-not-allowed = Это могут делать только администраторы и только в группе операторов.
op-not-found = Этого пополнения больше нет.
op-done = Готово.
op-confirmed-by = ✅ Подтвердил(а) { $admin }; деньги зачислены.
op-reject-choose = Почему отклоняем? Клиент увидит причину.
op-reason-not-received = Платёж не поступил
op-reason-amount-differs = Сумма не совпадает
op-reason-other = Другая причина…
op-reject-ask-other = { $admin }, напишите причину следующим сообщением в этом чате (или /cancel).
op-reject-cancelled = Отклонение отменено; заявка по-прежнему ждёт решения.
op-reject-recorded = Отклонено; клиенту сообщена причина.
op-rejected-by = ❌ Отклонил(а) { $admin }: { $reason }
op-refund-confirm = Вернуть клиенту { $amount } ({ $stars } ⭐)? Сначала деньги списываются с его кошелька, затем Telegram возвращает звёзды.
op-refund-yes = ↩ Да, вернуть
op-refunding = Возвращаем…
op-refunded-by = ↩ Вернул(а) { $admin }; звёзды возвращены клиенту.
op-refund-spent = ⚠️ Вернуть нельзя: клиент уже потратил часть этого пополнения.
op-refund-refused = ⚠️ Telegram отказал в возврате; деньги снова на кошельке клиента.
op-refund-unknown = ⚠️ Telegram не ответил. Возврат в ожидании: прежде чем что-то делать, проверьте Stars-транзакции бота.
op-refund-not-possible = Вернуть нельзя: пополнение { $state }.
op-upstream-balance-low =
    ⚠️ <b>Наш баланс у { $provider } слишком мал.</b>
    Заказ { $order } ({ $amount }) не выполнен; деньги клиенту возвращены. Пополните счёт у { $provider }.
op-upstream-auth-failed =
    ⚠️ <b>{ $provider } не принимает наш API-ключ.</b>
    Заказ { $order } ({ $amount }) не выполнен; деньги клиенту возвращены. Проверьте ключ в настройках.
op-order-attention = ⚠️ <b>Заказ требует внимания:</b> { $order } у { $provider }, заморожено { $amount }
op-why = Причина: { $why }
op-stars-unmatched =
    ⚠️ <b>Платёж в Stars не удалось зачислить.</b>
    { $stars } ⭐ от Telegram id { $telegramId }, платёж { $charge }, payload { $payload } ({ $reason }).
    Зачислите клиенту вручную или верните платёж.
op-order-check = 🔄 Проверить сейчас
op-order-settle-failed = ❌ Закрыть как неудачный
op-order-settle-delivered = ✅ Закрыть как выданный
op-order-checking = Спрашиваем поставщика…
op-order-checked-open = 🔄 Проверил(а) { $admin }: всё ещё неизвестно ({ $why }).
op-order-checked-delivered = ✅ Проверил(а) { $admin }: поставщик выдал заказ, у клиента есть прокси.
op-order-checked-failed = ❌ Проверил(а) { $admin }: у поставщика нет такого заказа ({ $reason }); деньги вернулись клиенту.
op-order-confirm-failed = Закрыть как неудачный? Замороженные { $amount } вернутся на кошелёк клиента. Делайте это, только если поставщик подтвердил, что ничего не продано.
op-order-yes-failed = ❌ Да, закрыть как неудачный
op-order-ask-upstream-id = { $admin }, пришлите номер заказа { $provider } для { $order } следующим сообщением в этот чат (или /cancel).
op-order-bad-upstream-id = Это не номер заказа (буквы, цифры и _:.-, до 100 знаков). Пришлите ещё раз или /cancel.
op-order-settle-cancelled = Отменено; заказ всё ещё открыт.
op-order-no-upstream-id = Сначала нажмите «Закрыть как выданный» и пришлите номер заказа у поставщика.
op-order-confirm-delivered = Закрыть как выданный с заказом поставщика { $upstream }? С клиента будет списано { $amount }; его прокси заберём у поставщика.
op-order-yes-delivered = ✅ Да, закрыть как выданный
op-order-confirm-above = Подтвердите в сообщении выше.
op-order-settled-failed = ❌ Закрыт как неудачный: { $admin }; деньги вернулись клиенту.
op-order-settled-delivered = ✅ Закрыт как выданный: { $admin } (заказ поставщика { $upstream }); с клиента списано, клиенту сообщили.
op-order-already-delivered = Уже закрыт как выданный: { $by }.
op-order-already-failed = Уже закрыт как неудачный: { $by }.
op-order-by-saga = сам магазин
op-order-now-delivered = ✅ Этот заказ выдан.
op-order-now-failed = ❌ Этот заказ не удался; деньги возвращены.
op-order-not-found = Этого заказа больше нет.
