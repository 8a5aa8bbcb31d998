"""Sample good practices for the demo, written as cities write them, in their own languages."""

from __future__ import annotations

from sqlmodel import select

from bot.db import session_scope
from bot.models import City, Practice, PracticeStatus
from bot.models.practices import PracticeCreate
from bot.services import Services

PRACTICES = [
    ("Barcelona", "es", PracticeStatus.published, ["anti-rumours", "intercultural-communication"],
     "Red antirumores de Barcelona",
     "Agentes antirumores formados desmontan estereotipos sobre la inmigración en barrios y redes sociales.",
     "Desde 2010 la ciudad forma a vecinos, comerciantes y funcionarios como agentes antirumores. Las "
     "entidades de la red organizan talleres, campañas y actividades culturales para responder con datos a "
     "los rumores sobre la diversidad.",
     "Más de 1.500 agentes formados y una red de 400 entidades.", "https://ajuntament.barcelona.cat/bcnacciointercultural/"),
    ("Lisbon", "pt", PracticeStatus.published, ["refugees-and-migrants", "participation"],
     "Plano Municipal para a Integração de Migrantes",
     "Um plano construído com as associações de migrantes para melhorar o acolhimento e a participação.",
     "O plano municipal reúne serviços da câmara, associações de migrantes e juntas de freguesia em torno de "
     "medidas de acolhimento, aprendizagem da língua portuguesa e participação cívica.",
     "Centros locais de apoio à integração em cinco freguesias.", ""),
    ("Stuttgart", "de", PracticeStatus.published, ["intercultural-competence", "business-and-diversity"],
     "Interkulturelle Öffnung der Stadtverwaltung",
     "Schulungen und Leitlinien machen die Verwaltung für alle Einwohnerinnen und Einwohner zugänglich.",
     "Im Rahmen des Stuttgarter Paktes für Integration werden Mitarbeitende der Stadtverwaltung in "
     "interkultureller Kompetenz geschult; Stellenausschreibungen sprechen gezielt Menschen mit "
     "Migrationsgeschichte an.",
     "Der Anteil der Auszubildenden mit Migrationsgeschichte hat sich verdoppelt.", ""),
    ("Montréal", "fr", PracticeStatus.approved, ["public-space", "participation"],
     "Des places publiques interculturelles",
     "Des aménagements co-conçus avec les résidents pour favoriser les rencontres dans l'espace public.",
     "La Ville accompagne des projets de placemaking dans les quartiers où vivent de nombreux nouveaux "
     "arrivants : mobilier, programmation culturelle et médiation de rue.",
     "", ""),
    ("Odesa", "uk", PracticeStatus.submitted, ["education", "language"],
     "Мовні клуби для внутрішньо переміщених осіб",
     "Безкоштовні розмовні клуби допомагають новим мешканцям міста швидше інтегруватися.",
     "Бібліотеки Одеси щотижня проводять розмовні клуби, де волонтери допомагають внутрішньо переміщеним "
     "особам і мігрантам практикувати мову та знайомитися з сусідами.",
     "", ""),
]


def load_demo_practices(services: Services) -> int:
    """Add the sample practices that are not there yet; returns how many were added."""
    added = 0
    with session_scope(services.engine) as session:
        cities = {city.name: city for city in session.exec(select(City))}
        known = {(p.title, p.city_id) for p in session.exec(select(Practice))}
        for city_name, language, status, themes, title, summary, description, results, link in PRACTICES:
            city = cities.get(city_name)
            if city is None or city.id is None or (title, city.id) in known:
                continue
            data = PracticeCreate(
                title=title, city_id=city.id, summary=summary, description=description, results=results,
                contact="", links=link, language=language, themes=themes,
            )
            services.practices.create(session=session, author=None, data=data, status=status)
            added += 1
    return added
