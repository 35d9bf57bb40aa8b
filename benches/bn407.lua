-- A small Wireshark dissector of the BN-407 text protocol, for the side-by-side benchmark
-- (benches/tshark-ratio.sh): what a support engineer would write to see the same facts as
-- `bn407 stats` in tshark. It decodes the same facts: the IMEI, the keyword, the fix validity
-- and the position of each `imei:...;` sentence, and the login and heartbeat lines, across TCP
-- segments (TCP reassembly asks for more data until a sentence is whole).
--
--   tshark -X lua_script:benches/bn407.lua -r CAPTURE -q -z io,stat,0,bn407
--
-- Written for this project; it reads no Wireshark plugin source.

local p = Proto("bn407lua", "BN-407 text (benchmark)")
local f_imei = ProtoField.string("bn407lua.imei", "IMEI")
local f_keyword = ProtoField.string("bn407lua.keyword", "Keyword")
local f_valid = ProtoField.string("bn407lua.valid", "Validity")
local f_lat = ProtoField.double("bn407lua.lat", "Latitude")
local f_lon = ProtoField.double("bn407lua.lon", "Longitude")
p.fields = { f_imei, f_keyword, f_valid, f_lat, f_lon }

-- ddmm.mmmm (or dddmm.mmmm) and a hemisphere letter to signed degrees.
local function degrees(text, hemi)
    local v = tonumber(text)
    if not v then return nil end
    local d = math.floor(v / 100)
    local deg = d + (v - d * 100) / 60
    if hemi == "S" or hemi == "W" then deg = -deg end
    return deg
end

local function split(s)
    local out = {}
    for field in (s .. ","):gmatch("([^,]*),") do out[#out + 1] = field end
    return out
end

-- One sentence (without its terminator) into the tree.
local function sentence(text, tvb, start, len, tree)
    local t = tree:add(p, tvb(start, len))
    local f = split(text)
    if text:sub(1, 2) == "##" then
        -- ##,imei:IMEI,A
        t:add(f_imei, (f[2] or ""):sub(6))
        t:add(f_keyword, "login")
        return
    end
    if not text:find("^imei:") then
        if text:match("^%d+$") then
            t:add(f_imei, text)
            t:add(f_keyword, "heartbeat")
        end
        return
    end
    -- imei:IMEI,keyword,localtime,,F,utc,A,lat,N,lon,E,speed,...
    t:add(f_imei, (f[1] or ""):sub(6))
    t:add(f_keyword, f[2] or "")
    if f[5] == "F" then
        t:add(f_valid, f[7] or "")
        local lat = degrees(f[8], f[9])
        local lon = degrees(f[10], f[11])
        if lat then t:add(f_lat, lat) end
        if lon then t:add(f_lon, lon) end
    end
end

function p.dissector(tvb, pinfo, tree)
    local len = tvb:len()
    local data = tvb:raw(0, len)
    local pos = 1
    while pos <= len do
        local stop = data:find("[;\n]", pos)
        if not stop then
            -- The rest is not whole yet: ask TCP for the next segment.
            pinfo.desegment_offset = pos - 1
            pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
            return len
        end
        local text = data:sub(pos, stop - 1):gsub("^[\r\n]+", "")
        if #text > 0 then
            sentence(text, tvb, pos - 1, stop - pos + 1, tree)
        end
        pos = stop + 1
    end
    pinfo.cols.protocol = "BN407"
    return len
end

DissectorTable.get("tcp.port"):add(8888, p)
DissectorTable.get("udp.port"):add(8888, p)
