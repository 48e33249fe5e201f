proxy-btn-allowlist = 🛡 Белый список IP
proxy-btn-cancel = 🗑 Отменить тариф
allowlist-title = <b>Белый список IP</b> · { $product }
allowlist-empty = Список пуст: прокси может пользоваться любой, у кого есть логин и пароль.
allowlist-entries = Пользоваться этим прокси могут только эти IP-адреса:
allowlist-rules = До { $max } отдельных адресов (IPv4 или IPv6).
allowlist-rules-no-ranges = Диапазоны вроде 203.0.113.0/24 не принимаются.
allowlist-btn-add = ➕ Добавить IP
allowlist-btn-remove = ✖ { $ip }
allowlist-add-prompt = Пришлите IP-адрес или несколько адресов через пробел или с новой строки. /cancel — отмена.
allowlist-add-stopped = Ничего не добавлено.
allowlist-added = ✅ Белый список обновлён.
allowlist-removed = ✅ С адреса { $ip } больше нельзя пользоваться этим прокси.
allowlist-refused = ⚠️ Белый список не изменён:
allowlist-problem-malformed = { $entry } — не адрес IPv4 или IPv6
allowlist-problem-cidr = { $entry } — это диапазон; принимаются только отдельные адреса
allowlist-problem-too-many = в списке оказалось бы адресов: { $count }; можно не больше { $max }
allowlist-problem-upstream = провайдер отклонил список: { $message }
access-not-active = ⚠️ Этот прокси уже не активен.
cancel-confirm = <b>Отменить { $product } прямо сейчас?</b>
cancel-ends = { $count ->
        [one] Прокси { $hosts } перестанет работать сразу.
       *[other] Сразу перестанут работать все прокси тарифа ({ $count }): { $hosts }.
    }
cancel-refund-none = { $provider } не возвращает деньги за отменённый тариф, поэтому на ваш баланс ничего не вернётся.
cancel-irreversible = Отменить это действие будет нельзя.
cancel-btn-confirm = 🗑 Да, отменить без возврата денег
cancel-done = ✅ Тариф отменён. Деньги не возвращались.
cancel-renewal-in-progress = ⏳ Продление этого прокси ещё не завершено. Попробуйте отменить тариф, когда оно закончится.
