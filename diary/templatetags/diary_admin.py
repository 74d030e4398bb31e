"""Template tags for the clinician admin's own pages."""

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from diary import admin_nav, admin_page, admin_rows, admin_selectors
from markup import safe

register = template.Library()


@register.simple_tag
def open_flag_counts(user) -> list[admin_selectors.UrgencyCount]:
    """The flags waiting for this user (all of them for a superuser), per urgency, emergency first."""
    if not user.is_authenticated or not user.has_perm("diary.view_flag"):
        return []
    return admin_selectors.active_flag_counts(user=user)


@register.tag(name="fast_result_list")
def fast_result_list_tag(parser, token):
    """Django's `result_list`, with rows written by diary.admin_rows where it covers the list."""
    return InclusionAdminNode(
        parser, token, func=admin_rows.result_list, template_name="change_list_results.html", takes_context=False
    )


@register.simple_tag(takes_context=True)
def nav_app_list(context) -> str:
    """The sidebar's `admin/app_list.html`, rendered once per distinct content (diary.admin_nav)."""
    return admin_nav.nav_app_list_html(request=context["request"], app_list=context["available_apps"])


@register.simple_tag(takes_context=True)
def user_links(context) -> str:
    """Django's header links (its `userlinks` block), rendered once per distinct content (diary.admin_nav)."""
    return admin_nav.user_links_html(request=context["request"], context=context)


class WrittenBlockNode(template.Node):
    """A block of Django's `admin/change_list.html` written in Python by `write` (diary.admin_page), or the block as
    Django renders it (`block.super`) where `write` answers None: a page that is not Django's there."""

    def __init__(self, write):
        self.write = write

    def render(self, context):
        html = self.write(context)
        if html is None:
            return context["block"].super()
        return safe(html)  # every value in it escaped where admin_page writes it


@register.tag(name="change_list_content")
def change_list_content_tag(parser, token):
    """The `content` block of Django's `admin/change_list.html`, written in Python where the page is Django's
    (diary.admin_page); Django's block otherwise."""
    node = WrittenBlockNode(lambda context: admin_page.content_html(context, own_template=node.origin.name))
    return node


@register.tag(name="change_list_extrastyle")
def change_list_extrastyle_tag(parser, token):
    """The `extrastyle` block of Django's `admin/change_list.html`, written in Python (diary.admin_page)."""
    return WrittenBlockNode(admin_page.extrastyle_html)


@register.tag(name="change_list_breadcrumbs")
def change_list_breadcrumbs_tag(parser, token):
    """The `breadcrumbs` block of Django's `admin/change_list.html`, written in Python (diary.admin_page)."""
    return WrittenBlockNode(admin_page.breadcrumbs_html)
