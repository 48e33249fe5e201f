# /broadcast: составление, выбор получателей, подтверждение, ход рассылки и отчёт
bc-ask-text =
    📣 <b>Новая рассылка</b>
    Пришлите сообщение, которое получат клиенты. Жирный, курсив, ссылки и другое оформление Telegram сохранятся.
    /cancel — отменить.
bc-too-long = Сообщение слишком длинное: Telegram допускает { $max } символов. Пришлите покороче или /cancel.
bc-ask-button =
    Добавить кнопку со ссылкой? Пришлите её как <code>Надпись | https://example.com</code> или нажмите «Без кнопки».
bc-no-button = Без кнопки
bc-button-usage = Это не кнопка. Пришлите <code>Надпись | https://example.com</code> (ссылка http или https) или /cancel.
bc-preview-title = 👀 <b>Предпросмотр</b> — клиенты увидят следующее сообщение именно так:
bc-choose-audience = Кому отправить?
bc-audience-everyone = Всем
bc-audience-active = С активными прокси
bc-audience-language = Язык: { $language }
bc-audience-provider = С прокси от { $provider }
bc-cancel = ✖ Отмена
bc-back = « Назад
bc-confirm-question =
    Получатели: <b>{ $audience }</b> — { $count } { $count ->
        [one] клиент
        [few] клиента
       *[many] клиентов
    }.
    Отправить рассылку сейчас?
bc-confirm-send = 📣 Отправить { $count }
bc-empty-audience = Получатели: <b>{ $audience }</b> — никого нет. Выберите других.
bc-cancelled = Рассылка отменена, ничего не отправлено.
bc-already = Эта рассылка уже { $state }.
bc-state-sending = отправлена
bc-state-finished = отправлена
bc-state-cancelled = отменена
bc-state-draft = ещё не отправлена
bc-not-found = Этой рассылки больше нет.
bc-progress =
    📣 <b>Рассылка { $id }</b> — идёт отправка
    Доставлено { $delivered } из { $recipients } · заблокировали { $blocked } · ошибки { $failed } · в очереди { $pending }
bc-report =
    📣 <b>Рассылка { $id } завершена</b>
    Доставлено: { $delivered } из { $recipients }
    Заблокировали бота: { $blocked } (отмечены как недоступные)
    Ошибки: { $failed }
bc-queued = В очереди для { $count } { $count ->
        [one] клиента
       *[other] клиентов
    }. Ход отправки — ниже.

# Оповещения консоли операторов
oa-balance-below =
    🪫 <b>Низкий баланс у { $provider }: { $balance }</b>
    Ниже порога { $threshold }. Пополните, пока заказы не начали отклоняться.
oa-balance-recovered =
    🔋 <b>Баланс у { $provider } восстановлен: { $balance }</b>
    Снова не ниже порога { $threshold }.
oa-folded-title = ⏱ <b>Ещё { $total } оповещений за последнюю минуту</b> (не отправлены по одному, чтобы группу можно было читать):
oa-folded-line = • ещё { $count }: { $what }
oa-folded-orders = Первые заказы — ниже; кнопка показывает оповещение о заказе с кнопками для решения.
oa-kind-order_needs_attention = заказы, требующие внимания
oa-kind-topup_received = полученные пополнения
oa-kind-upstream_balance_low = заказы, отклонённые из-за нашего низкого баланса у поставщика
oa-kind-upstream_auth_failed = заказы, отклонённые из-за ключа, который поставщик не принял
oa-kind-stars_payment_unmatched = несопоставленные платежи в Stars
oa-kind-upstream_balance_below = балансы у поставщиков ниже порога
oa-kind-upstream_balance_recovered = восстановленные балансы у поставщиков
oa-kind-other = другие оповещения ({ $kind })
