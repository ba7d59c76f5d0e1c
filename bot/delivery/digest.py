"""The affiliates' daily digest e-mail: their new and waiting inquiries, in the account's language.

Pure: `email.message.EmailMessage`; nothing is sent here (the delivery worker sends it,
integrations/delivery/digests.py). It reaches volunteers worldwide, so its text is in each of the
assistant's six languages (TEXTS, the one place for it). It carries no partner's contact details:
references, organisation names and dates, and links to the console, which shows the rest to
people allowed to see it.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timezone
from email.message import EmailMessage
from typing import Any

from bot.delivery.messages import _e, _message, _set_body

DEFAULT_LANGUAGE = "en"
#: Right-to-left languages: the HTML part is laid out that way.
RTL = frozenset({"ar"})

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "subject": "Partnership inquiries for {affiliate}: your digest of {day}",
        "greeting": "Hello,",
        "intro": "These partnership inquiries are waiting for an answer from {affiliate}.",
        "new": "New since the last digest",
        "waiting": "Still waiting for your answer",
        "due": "answer by {date}",
        "overdue": "overdue since {date}",
        "no_deadline": "no deadline",
        "no_name": "(no organisation name)",
        "console": "Accept or decline them in the console: {url}",
        "settings": "You receive this e-mail because the daily digest is on in your console account; you can turn "
                    "it off there: {url}",
        "signature": "Wikimedia partnerships",
    },
    "fr": {
        "subject": "Demandes de partenariat pour {affiliate} : votre récapitulatif du {day}",
        "greeting": "Bonjour,",
        "intro": "Voici les demandes de partenariat qui attendent une réponse de {affiliate}.",
        "new": "Nouvelles depuis le dernier récapitulatif",
        "waiting": "Toujours en attente de votre réponse",
        "due": "réponse attendue avant le {date}",
        "overdue": "en retard depuis le {date}",
        "no_deadline": "sans échéance",
        "no_name": "(organisation sans nom)",
        "console": "Acceptez-les ou déclinez-les dans la console : {url}",
        "settings": "Vous recevez ce message parce que le récapitulatif quotidien est activé dans votre compte de la "
                    "console ; vous pouvez le désactiver ici : {url}",
        "signature": "Les partenariats Wikimedia",
    },
    "de": {
        "subject": "Partnerschaftsanfragen für {affiliate}: Ihre Übersicht vom {day}",
        "greeting": "Hallo,",
        "intro": "Diese Partnerschaftsanfragen warten auf eine Antwort von {affiliate}.",
        "new": "Neu seit der letzten Übersicht",
        "waiting": "Warten weiterhin auf Ihre Antwort",
        "due": "Antwort bis {date}",
        "overdue": "überfällig seit {date}",
        "no_deadline": "ohne Frist",
        "no_name": "(Organisation ohne Namen)",
        "console": "Nehmen Sie sie in der Konsole an oder lehnen Sie sie ab: {url}",
        "settings": "Sie erhalten diese E-Mail, weil in Ihrem Konto der Konsole die tägliche Übersicht eingeschaltet "
                    "ist; dort können Sie sie abschalten: {url}",
        "signature": "Wikimedia-Partnerschaften",
    },
    "es": {
        "subject": "Solicitudes de colaboración para {affiliate}: su resumen del {day}",
        "greeting": "Hola:",
        "intro": "Estas solicitudes de colaboración esperan una respuesta de {affiliate}.",
        "new": "Nuevas desde el último resumen",
        "waiting": "Siguen esperando su respuesta",
        "due": "responder antes del {date}",
        "overdue": "con retraso desde el {date}",
        "no_deadline": "sin plazo",
        "no_name": "(organización sin nombre)",
        "console": "Acéptelas o rechácelas en la consola: {url}",
        "settings": "Recibe este correo porque tiene activado el resumen diario en su cuenta de la consola; puede "
                    "desactivarlo allí: {url}",
        "signature": "Colaboraciones de Wikimedia",
    },
    "pt": {
        "subject": "Pedidos de parceria para {affiliate}: o seu resumo de {day}",
        "greeting": "Olá,",
        "intro": "Estes pedidos de parceria aguardam uma resposta de {affiliate}.",
        "new": "Novos desde o último resumo",
        "waiting": "Ainda aguardam a sua resposta",
        "due": "responder até {date}",
        "overdue": "em atraso desde {date}",
        "no_deadline": "sem prazo",
        "no_name": "(organização sem nome)",
        "console": "Aceite-os ou recuse-os no painel: {url}",
        "settings": "Recebe este e-mail porque o resumo diário está ativado na sua conta do painel; pode desativá-lo "
                    "lá: {url}",
        "signature": "Parcerias Wikimedia",
    },
    "ar": {
        "subject": "طلبات الشراكة الموجّهة إلى {affiliate}: ملخّصك ليوم {day}",
        "greeting": "مرحبًا،",
        "intro": "هذه طلبات الشراكة التي تنتظر ردًّا من {affiliate}.",
        "new": "جديدة منذ الملخّص السابق",
        "waiting": "ما زالت تنتظر ردّك",
        "due": "الرد قبل {date}",
        "overdue": "متأخرة منذ {date}",
        "no_deadline": "دون موعد نهائي",
        "no_name": "(مؤسسة بلا اسم)",
        "console": "اقبلها أو اعتذر عنها في لوحة التحكم: {url}",
        "settings": "تصلك هذه الرسالة لأن الملخّص اليومي مفعَّل في حسابك على لوحة التحكم، ويمكنك إيقافه من هناك: {url}",
        "signature": "شراكات ويكيميديا",
    },
}


def digest_language(account: str | None, affiliate_languages: Sequence[str]) -> str:
    """The digest's language: the account's, else the affiliate's first one the digest is written
    in, else English."""
    for code in (account, *affiliate_languages):
        if code in TEXTS:
            return str(code)
    return DEFAULT_LANGUAGE


def digest_delivery_id(user_id: int, day: date) -> str:
    """The same on every attempt of one account's digest of one day (its Message-ID)."""
    return f"digest-{int(user_id)}-{day.isoformat()}"


def digest_email(
    *, language: str, affiliate_name: str, day: date, now: datetime, rows: Mapping[str, Sequence[Mapping[str, Any]]],
    console_url: str, user_id: int, sender: str, to: str,
) -> EmailMessage:
    """The digest of `rows` ({"new": [...], "waiting": [...]}, each {reference, organization_name,
    response_due_at}) for one account."""
    t = TEXTS.get(language, TEXTS[DEFAULT_LANGUAGE])
    base = console_url.rstrip("/")
    text = [t["greeting"], "", t["intro"].format(affiliate=affiliate_name)]
    parts = [f"<p>{_e(t['greeting'])}</p>", f"<p>{_e(t['intro'].format(affiliate=affiliate_name))}</p>"]
    for key in ("new", "waiting"):
        if not rows.get(key):
            continue
        text += ["", t[key]]
        parts.append(f"<h2>{_e(t[key])}</h2><ul>")
        for row in rows[key]:
            link = f"{base}/console/inquiries/{row['reference']}"
            name = row.get("organization_name") or t["no_name"]
            when = _when(t, row.get("response_due_at"), now)
            text.append(f"- {row['reference']} · {name} · {when}\n  {link}")
            parts.append(f'<li><a href="{_e(link)}">{_e(row["reference"])}</a> · {_e(name)} · {_e(when)}</li>')
        parts.append("</ul>")
    console = t["console"].format(url=f"{base}/console/")
    settings = t["settings"].format(url=f"{base}/console/account")
    text += ["", console, "", t["signature"], "", "-- ", settings]
    parts += [f"<p>{_e(console)}</p>", f"<p>{_e(t['signature'])}</p>", f"<p><small>{_e(settings)}</small></p>"]
    direction = "rtl" if language in RTL else "ltr"
    body = f'<div lang="{_e(language)}" dir="{direction}">\n' + "\n".join(parts) + "\n</div>"
    subject = t["subject"].format(affiliate=affiliate_name, day=day.isoformat())
    message = _message(subject=subject, sender=sender, to=[to], delivery_id=digest_delivery_id(user_id, day))
    _set_body(message, "\n".join(text), body)
    return message


def _when(t: Mapping[str, str], due: datetime | None, now: datetime) -> str:
    if due is None:
        return t["no_deadline"]
    due = due if due.tzinfo else due.replace(tzinfo=timezone.utc)
    stamp = due.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return t["overdue" if due < now else "due"].format(date=stamp)
