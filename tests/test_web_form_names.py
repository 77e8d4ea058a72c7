"""A multipart field whose name breaks its header line is refused with 400, never a crash of the CSRF check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.mark.parametrize("url", ["/mapping/payment/pohoda", "/mapping/tax", "/settings/connections"])
def test_a_broken_field_name_is_a_bad_request(lan_client: Any, admin_login: Callable[[Any], Any], url: str) -> None:
    admin_login(lan_client)
    body = (b'--x\r\nContent-Disposition: form-data; name="a\nb"\r\n\r\nvalue\r\n'
            b'--x\r\nContent-Disposition: form-data; name="ok"\r\n\r\n1\r\n--x--\r\n')
    response = lan_client.post(url, data=body, content_type="multipart/form-data; boundary=x")
    assert response.status_code == 400
    assert "Požadavek nelze zpracovat" in response.get_data(as_text=True)
