from tests.matrix import ALL, Case

CASES = [
    Case("GET", "/", ALL),
    Case("GET", "/api/v1/organisations", ALL),
    Case("GET", "/api/v1/municipalities", ALL),
    Case("GET", "/api/v1/staffs", ALL),
]
