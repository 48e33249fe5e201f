# Проверка прокси: кнопка «Проверить» в карточке и уведомления о неудачной проверке после выдачи.
proxy-btn-check = 🩺 Проверить
proxy-check-running = 🩺 Проверяем через прокси…
proxy-check-title = 🩺 <b>Проверка через прокси</b>
proxy-check-login = 🔑 Логин { $login }
proxy-check-login-added = ➕ Добавленный логин { $login }
proxy-check-ok = ✅ { $protocol }: работает, { $latency } мс
proxy-check-exit = Внешний IP: { $ip }
proxy-check-exit-country = Внешний IP: { $ip } ({ $country })
proxy-check-failed-line = ❌ { $protocol }: { $reason }
proxy-check-failure-proxy_unreachable = прокси не отвечает
proxy-check-failure-auth_rejected = прокси не принял логин или пароль
proxy-check-failure-target_unreachable = прокси не смог открыть проверочный сайт
proxy-check-failure-timeout = нет ответа за { $seconds } с
proxy-check-failure-bad_answer = проверочный сайт ответил ошибкой
proxy-check-rate-limited = ⏳ Слишком много проверок. Повторите через { $seconds } с.
proxy-check-not-checkable = Проверить можно только активный прокси.
notice-proxy-check-failed =
    ⚠️ Ваш новый прокси { $product } ({ $host }) не прошёл первую проверку:
    { $failures }
    Иногда прокси начинает работать через несколько минут: нажмите «Проверить» в его карточке. Если ошибка останется, напишите в поддержку.
op-delivered-proxy-check-failed =
    ⚠️ <b>Выданный прокси не прошёл проверку</b>
    Заказ { $order } · { $provider } · { $product }
    Хост { $host }
    { $failures }
    Автоматически не возвращается: поставщик его продал.
oa-kind-delivered_proxy_check_failed = выданные прокси, не прошедшие проверку
