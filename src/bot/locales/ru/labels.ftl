# Подписи каталога (bot/labels.ts). Код языка — язык названий стран.
labels-language = ru
term-days = { $days ->
    [one] { $days } день
    [few] { $days } дня
   *[many] { $days } дней
}
term-traffic = { $gb } ГБ
