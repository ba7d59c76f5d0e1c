"""The partners' monthly recognition report e-mail: what their files on Wikimedia Commons
achieved, in the inquiry's language, with a signed link that stops the reports.

Pure: `email.message.EmailMessage`; the delivery worker reads the figures and sends it
(integrations/delivery/recognition_reports.py). Its texts, and those of the unsubscribe page
(integrations/console/recognition_unsubscribe.py), are in each of the assistant's six languages
here (TEXTS, the one place for them). Figures are label: value rows, which need no plural forms.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from urllib.parse import quote

from babel.dates import format_skeleton
from babel.numbers import format_decimal

from bot.delivery.messages import _e, _message, _set_body
from bot.delivery.signing import LinkClaim, sign_link, verify_link

DEFAULT_LANGUAGE = "en"
RTL = frozenset({"ar"})
#: The action signed into an unsubscribe link: no accept / decline link can pass for one.
STOP_ACTION = "stop_reports"
#: Where an unsubscribe link points (integrations/console/recognition_unsubscribe.py).
STOP_PATH = "/reports/stop/"
#: Days an unsubscribe link works: every report carries a fresh one, and an old e-mail's link
#: keeps working for more than a year.
STOP_LINK_DAYS = 400
COMMONS_CATEGORY_URL = "https://commons.wikimedia.org/wiki/Category:"

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "subject": "Your files on Wikimedia Commons: report for {month}",
        "greeting": "Hello {name},",
        "greeting_anonymous": "Hello,",
        "intro": "Thank you for sharing your collection on Wikimedia Commons. Here is where the files in the "
                 "category “{category}” stand:",
        "files": "Files in the category",
        "articles": "Articles using them",
        "wikis": "Wikis using them",
        "views": "Views in {month} of the pages showing them",
        "no_views": "The monthly views of this category are not measured yet.",
        "category": "The category on Commons: {url}",
        "why": "You receive this monthly report because you agreed that we may contact you about your "
               "partnership with Wikimedia.",
        "stop": "To stop these reports: {url}",
        "signature": "Wikimedia partnerships",
        "stop_title": "Stop the monthly reports?",
        "stop_text": "You will no longer receive monthly reports about this partnership.",
        "stop_button": "Stop the reports",
        "stopped_title": "Reports stopped",
        "stopped_text": "You will receive no more reports about this partnership. Thank you!",
        "invalid_title": "This link is not valid",
        "unavailable_title": "We cannot answer right now",
        "unavailable_text": "Our database cannot be reached at the moment. "
                            "Please open the link again in a few minutes.",
    },
    "fr": {
        "subject": "Vos fichiers sur Wikimedia Commons : le bilan de {month}",
        "greeting": "Bonjour {name},",
        "greeting_anonymous": "Bonjour,",
        "intro": "Merci d’avoir partagé votre collection sur Wikimedia Commons. Voici où en sont les fichiers "
                 "de la catégorie « {category} » :",
        "files": "Fichiers dans la catégorie",
        "articles": "Articles qui les utilisent",
        "wikis": "Wikis où ils sont utilisés",
        "views": "Vues en {month} des pages qui les montrent",
        "no_views": "Les vues mensuelles de cette catégorie ne sont pas encore mesurées.",
        "category": "La catégorie sur Commons : {url}",
        "why": "Vous recevez ce bilan mensuel parce que vous avez accepté que nous vous contactions au sujet de "
               "votre partenariat avec Wikimedia.",
        "stop": "Pour ne plus recevoir ces bilans : {url}",
        "signature": "Les partenariats Wikimedia",
        "stop_title": "Ne plus recevoir les bilans mensuels ?",
        "stop_text": "Vous ne recevrez plus de bilan mensuel sur ce partenariat.",
        "stop_button": "Ne plus les recevoir",
        "stopped_title": "Bilans arrêtés",
        "stopped_text": "Vous ne recevrez plus de bilan sur ce partenariat. Merci !",
        "invalid_title": "Ce lien n’est pas valide",
        "unavailable_title": "Nous ne pouvons pas répondre pour le moment",
        "unavailable_text": "Notre base de données est momentanément inaccessible. "
                            "Veuillez rouvrir le lien dans quelques minutes.",
    },
    "de": {
        "subject": "Ihre Dateien auf Wikimedia Commons: Bericht für {month}",
        "greeting": "Guten Tag {name},",
        "greeting_anonymous": "Guten Tag,",
        "intro": "Vielen Dank, dass Sie Ihre Sammlung auf Wikimedia Commons teilen. So steht es um die Dateien "
                 "der Kategorie „{category}“:",
        "files": "Dateien in der Kategorie",
        "articles": "Artikel, die sie verwenden",
        "wikis": "Wikis, in denen sie verwendet werden",
        "views": "Aufrufe der Seiten mit diesen Dateien im {month}",
        "no_views": "Die monatlichen Aufrufe dieser Kategorie werden noch nicht erfasst.",
        "category": "Die Kategorie auf Commons: {url}",
        "why": "Sie erhalten diesen monatlichen Bericht, weil Sie zugestimmt haben, dass wir Sie zu Ihrer "
               "Partnerschaft mit Wikimedia kontaktieren.",
        "stop": "Keine weiteren Berichte erhalten: {url}",
        "signature": "Wikimedia-Partnerschaften",
        "stop_title": "Monatliche Berichte abbestellen?",
        "stop_text": "Sie erhalten dann keine monatlichen Berichte zu dieser Partnerschaft mehr.",
        "stop_button": "Berichte abbestellen",
        "stopped_title": "Berichte abbestellt",
        "stopped_text": "Sie erhalten keine weiteren Berichte zu dieser Partnerschaft. Vielen Dank!",
        "invalid_title": "Dieser Link ist nicht gültig",
        "unavailable_title": "Wir können gerade nicht antworten",
        "unavailable_text": "Unsere Datenbank ist im Moment nicht erreichbar. "
                            "Bitte öffnen Sie den Link in einigen Minuten erneut.",
    },
    "es": {
        "subject": "Sus archivos en Wikimedia Commons: informe de {month}",
        "greeting": "Hola, {name}:",
        "greeting_anonymous": "Hola:",
        "intro": "Gracias por compartir su colección en Wikimedia Commons. Estos son los datos de los archivos "
                 "de la categoría «{category}»:",
        "files": "Archivos en la categoría",
        "articles": "Artículos que los usan",
        "wikis": "Wikis donde se usan",
        "views": "Visitas en {month} a las páginas que los muestran",
        "no_views": "Las visitas mensuales de esta categoría todavía no se miden.",
        "category": "La categoría en Commons: {url}",
        "why": "Recibe este informe mensual porque aceptó que nos pusiéramos en contacto con usted sobre su "
               "colaboración con Wikimedia.",
        "stop": "Para dejar de recibir estos informes: {url}",
        "signature": "Colaboraciones de Wikimedia",
        "stop_title": "¿Dejar de recibir los informes mensuales?",
        "stop_text": "Ya no recibirá informes mensuales sobre esta colaboración.",
        "stop_button": "Dejar de recibirlos",
        "stopped_title": "Informes cancelados",
        "stopped_text": "No recibirá más informes sobre esta colaboración. ¡Gracias!",
        "invalid_title": "Este enlace no es válido",
        "unavailable_title": "No podemos responder en este momento",
        "unavailable_text": "Nuestra base de datos no está disponible en este momento. "
                            "Vuelva a abrir el enlace dentro de unos minutos.",
    },
    "pt": {
        "subject": "Os seus ficheiros na Wikimedia Commons: relatório de {month}",
        "greeting": "Olá, {name},",
        "greeting_anonymous": "Olá,",
        "intro": "Obrigado por partilhar a sua coleção na Wikimedia Commons. Eis os números dos ficheiros da "
                 "categoria «{category}»:",
        "files": "Ficheiros na categoria",
        "articles": "Artigos que os utilizam",
        "wikis": "Wikis onde são utilizados",
        "views": "Visualizações em {month} das páginas que os mostram",
        "no_views": "As visualizações mensais desta categoria ainda não são medidas.",
        "category": "A categoria na Commons: {url}",
        "why": "Recebe este relatório mensal porque aceitou que o contactássemos sobre a sua parceria com a "
               "Wikimedia.",
        "stop": "Para deixar de receber estes relatórios: {url}",
        "signature": "Parcerias Wikimedia",
        "stop_title": "Deixar de receber os relatórios mensais?",
        "stop_text": "Deixará de receber relatórios mensais sobre esta parceria.",
        "stop_button": "Deixar de receber",
        "stopped_title": "Relatórios cancelados",
        "stopped_text": "Não receberá mais relatórios sobre esta parceria. Obrigado!",
        "invalid_title": "Esta ligação não é válida",
        "unavailable_title": "De momento não conseguimos responder",
        "unavailable_text": "A nossa base de dados está temporariamente indisponível. "
                            "Volte a abrir a ligação daqui a alguns minutos.",
    },
    "ar": {
        "subject": "ملفاتكم على ويكيميديا كومنز: تقرير {month}",
        "greeting": "مرحبًا {name}،",
        "greeting_anonymous": "مرحبًا،",
        "intro": "شكرًا لكم على مشاركة مجموعتكم على ويكيميديا كومنز. إليكم ما وصلت إليه ملفات التصنيف «{category}»:",
        "files": "عدد الملفات في التصنيف",
        "articles": "المقالات التي تستخدمها",
        "wikis": "مواقع الويكي التي تستخدمها",
        "views": "مشاهدات الصفحات التي تعرضها في {month}",
        "no_views": "لا تُقاس المشاهدات الشهرية لهذا التصنيف بعد.",
        "category": "التصنيف على كومنز: {url}",
        "why": "تصلكم هذه الرسالة الشهرية لأنكم وافقتم على أن نتواصل معكم بشأن شراكتكم مع ويكيميديا.",
        "stop": "لإيقاف هذه التقارير: {url}",
        "signature": "شراكات ويكيميديا",
        "stop_title": "إيقاف التقارير الشهرية؟",
        "stop_text": "لن تصلكم بعد الآن تقارير شهرية عن هذه الشراكة.",
        "stop_button": "إيقاف التقارير",
        "stopped_title": "تم إيقاف التقارير",
        "stopped_text": "لن تصلكم تقارير أخرى عن هذه الشراكة. شكرًا لكم!",
        "invalid_title": "هذا الرابط غير صالح",
        "unavailable_title": "لا يمكننا الرد الآن",
        "unavailable_text": "قاعدة بياناتنا غير متاحة حاليًا. يُرجى فتح الرابط مرة أخرى بعد بضع دقائق.",
    },
}


@dataclass(frozen=True)
class Figures:
    """A category's figures: its files, the articles and wikis using them, the month's views (None: not measured)."""

    files: int
    articles: int
    wikis: int
    views: int | None


def texts(language: str | None) -> dict[str, str]:
    return TEXTS.get(language or DEFAULT_LANGUAGE, TEXTS[DEFAULT_LANGUAGE])


def stop_link(public_url: str, partnership_id: int, secret: str, *, now: datetime) -> str:
    """The signed link that stops the reports of `partnership_id`."""
    expires = int(now.timestamp()) + STOP_LINK_DAYS * 86400
    token = sign_link(f"p{int(partnership_id)}", STOP_ACTION, expires, secret)
    return public_url.rstrip("/") + STOP_PATH + token


def stop_claim(token: str, secret: str, *, now: int) -> int | None:
    """The partnership an unsubscribe token stops; None: not a valid, unexpired unsubscribe token."""
    claim: LinkClaim | None = verify_link(token, secret, now=now) if secret else None
    if claim is None or claim.action != STOP_ACTION or not claim.token_id[1:].isdigit() or claim.token_id[0] != "p":
        return None
    return int(claim.token_id[1:])


def report_delivery_id(partnership_id: int, month: date) -> str:
    """The same on every attempt of one partnership's report of one month (its Message-ID)."""
    return f"recognition-{int(partnership_id)}-{month:%Y-%m}"


def recognition_email(
    *, language: str, category: str, month: date, figures: Figures, contact_name: str | None, stop_url: str,
    partnership_id: int, sender: str, to: str,
) -> EmailMessage:
    """The report of `month` for one partnership."""
    language = language if language in TEXTS else DEFAULT_LANGUAGE
    t = TEXTS[language]
    month_name = format_skeleton("yMMMM", month, locale=language)
    greeting = t["greeting"].format(name=contact_name) if contact_name else t["greeting_anonymous"]
    intro = t["intro"].format(category=category)
    rows = [(t["files"], figures.files), (t["articles"], figures.articles), (t["wikis"], figures.wikis)]
    if figures.views is not None:
        rows.append((t["views"].format(month=month_name), figures.views))
    shown = [(label, format_decimal(value, locale=language)) for label, value in rows]
    url = COMMONS_CATEGORY_URL + quote(category.replace(" ", "_"))
    tail = [t["category"].format(url=url)] + ([] if figures.views is not None else [t["no_views"]])
    text = [greeting, "", intro, ""] + [f"- {label}: {value}" for label, value in shown] + [""] + tail
    text += ["", t["signature"], "", "-- ", t["why"], t["stop"].format(url=stop_url)]
    html_rows = "".join(f"<tr><th scope=\"row\">{_e(label)}</th><td>{_e(value)}</td></tr>" for label, value in shown)
    parts = [f"<p>{_e(greeting)}</p>", f"<p>{_e(intro)}</p>", f"<table>{html_rows}</table>"]
    parts += [f"<p>{_e(line)}</p>" for line in tail]
    parts += [f"<p>{_e(t['signature'])}</p>",
              f"<p><small>{_e(t['why'])} <a href=\"{_e(stop_url)}\">{_e(t['stop'].format(url='').rstrip(': '))}</a>"
              f"</small></p>"]
    direction = "rtl" if language in RTL else "ltr"
    body = f'<div lang="{_e(language)}" dir="{direction}">\n' + "\n".join(parts) + "\n</div>"
    message = _message(subject=t["subject"].format(month=month_name), sender=sender, to=[to],
                       delivery_id=report_delivery_id(partnership_id, month))
    # RFC 2369 / RFC 8058: mail programs show their own "unsubscribe" button, which POSTs here.
    message["List-Unsubscribe"] = f"<{stop_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    _set_body(message, "\n".join(text), body)
    return message
