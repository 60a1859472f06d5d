def page_not_found(request, exception=None):
    raise NotImplementedError


def server_error(request):
    raise NotImplementedError
