"""The staff console's page and files (logic in gateway/console.py; not in the OpenAPI document)."""
from gateway import console
from gateway.http import route




class ConsoleRoutes:
    @route("GET", "/", auth=False, summary="工作台页面（控制台）", documented=False)
    def console_home(self, request):
        return console.page()

    @route("GET", f"/<any({','.join(console.PAGES)}):section>", auth=False, summary="控制台页面", documented=False)
    def console_section(self, request, section):
        return console.page()

    @route("GET", f"/<any({','.join(console.PAGES)}):section>/<path:rest>", auth=False, summary="控制台页面",
           documented=False)
    def console_page(self, request, section, rest):
        return console.page()

    @route("GET", "/assets/<name>", auth=False, summary="控制台的静态文件", documented=False)
    def console_asset(self, request, name):
        return console.asset(name, request.headers.get("Accept-Encoding", ""))
