proxies-title = <b>Мои прокси</b> ({ $total })
proxies-empty = У вас пока нет прокси.
proxies-export-all = 📄 Выгрузить все прокси
proxies-back-to-list = « Мои прокси
proxies-back-to-card = « К прокси
proxy-country = Страна: { $country }
proxy-host = Хост: { $host }
proxy-ports = Порты: { $ports }
proxy-protocols = Протоколы: { $protocols }
proxy-traffic = Трафик: { $gb } ГБ
proxy-linked-order = ➕ Докуплено { $gb } ГБ: { $credentials }
proxy-linked-order-unsized = ➕ Докупленный трафик: { $credentials }
proxy-no-expiry = Не истекает по дате
proxy-expires = Действует до { $date } ({ $days ->
        [0] истекает сегодня
        [one] ещё { $days } день
        [few] ещё { $days } дня
        [many] ещё { $days } дней
       *[other] ещё { $days } дня
    })
proxy-expires-at = Действует до { $at } (меньше суток)
proxy-expired-on = Истёк { $date }
proxy-status-active = Статус: активен
proxy-status-expired = Статус: истёк
proxy-status-cancelled = Статус: отменён
proxy-status-pending = Статус: настраивается
proxy-auto-renew-on = Автопродление: включено
proxy-auto-renew-off = Автопродление: выключено
proxy-btn-credentials = 🔐 Данные для входа
proxy-btn-renew = 🔁 Продлить
proxy-btn-auto-renew-on = Включить автопродление
proxy-btn-auto-renew-off = Выключить автопродление
proxy-btn-change-credentials = 🔑 Сменить логин и пароль
proxy-btn-rotate = 🔄 Сменить IP
proxy-btn-location = 🌍 Сменить локацию
proxy-btn-usage = 📊 Расход трафика
proxy-auto-renew-now-on = ✅ Автопродление включено: прокси продлится с вашего баланса до окончания срока.
proxy-auto-renew-now-off = Автопродление выключено.
proxy-renew-choose = <b>{ $product }</b> · на какой срок продлить?
proxy-renew-none = Для этого прокси сейчас нет вариантов продления.
proxy-change-credentials-confirm = Выдать новые логин и пароль? Текущие сразу перестанут работать.
proxy-change-credentials-yes = Да, сменить
proxy-credentials-changed = ✅ Новые данные для входа:
proxy-rotated = ✅ IP сменён.
proxy-usage-used = Использовано: { $gb } ГБ
proxy-usage-total = Всего: { $gb } ГБ
proxy-usage-remaining = Осталось: { $gb } ГБ
proxy-location-choose = Выберите новую локацию:
proxy-location-switched = ✅ Перенесено: { $location }.
proxy-action-failed = ⚠️ Не получилось: { $reason }
