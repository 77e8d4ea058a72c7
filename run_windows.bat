@echo off
rem POHODA adapter - start on Windows (double-click, or a shortcut in shell:startup).
rem First run: creates .venv and installs the project. Then starts the app,
rem which opens the browser at http://127.0.0.1:8800/ by itself.
setlocal
chcp 65001 >nul
cd /d "%~dp0"

set "PY="
where py >nul 2>nul && set "PY=py -3"
if not defined PY (
  where python >nul 2>nul && set "PY=python"
)
if not defined PY (
  echo Python 3.11 nebo novejsi nebyl nalezen. Nainstalujte jej z https://www.python.org/downloads/
  echo a pri instalaci zaskrtnete "Add python.exe to PATH".
  pause
  exit /b 1
)

%PY% -c "import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)" >nul 2>nul
if errorlevel 1 (
  echo Nalezeny Python je starsi nez 3.11. Nainstalujte Python 3.11 nebo novejsi z https://www.python.org/downloads/
  pause
  exit /b 1
)

if not exist ".venv\Scripts\python.exe" (
  echo Vytvarim virtualni prostredi .venv ...
  %PY% -m venv .venv
  if errorlevel 1 goto :fail
  echo Instaluji POHODA adapter ...
  ".venv\Scripts\python.exe" -m pip install --disable-pip-version-check -q -e .
  if errorlevel 1 goto :fail
)

".venv\Scripts\python.exe" app.py %*
set "RC=%errorlevel%"
if not "%RC%"=="0" (
  echo.
  echo POHODA adapter skoncil s chybou - duvod je vypsan vyse.
  echo Okno zustava otevrene, abyste si zpravu mohli precist.
  pause
)
exit /b %RC%

:fail
echo Instalace se nezdarila. Zkontrolujte pripojeni k internetu a spustte soubor znovu.
rmdir /s /q .venv 2>nul
pause
exit /b 1
